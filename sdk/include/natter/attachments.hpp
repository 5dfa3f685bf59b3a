#pragma once
// ABI 1.11: files shared in chat. natter never carries a file's bytes: a
// client asks for somewhere to put one (op `upload`) and PUTs the bytes
// straight to an object store through the presigned URL it is given; the
// message it sends then names the file (natter::Attachment, which history
// keeps), and members of the room ask for a presigned URL to fetch it (op
// `download`). The plugin decides keys, limits and URLs; the broker checks
// who may ask.

#include <cstdint>
#include <span>

#include "natter/abi.hpp"
#include "natter/values.hpp"

namespace natter {

// A file a client means to share in `room`.
struct UploadRequest {
  std::string_view room;  // where it will be shared (a direct room's name too)
  std::string_view user;  // who asks
  std::string_view name;  // the file's name, as the client gave it
  std::string_view type;  // its media type, "image/png"
  std::uint64_t size = 0; // its exact size in bytes
};

// A presigned request: whoever holds it may make it until it expires, and
// the object store refuses it changed or late.
struct PresignedRequest {
  std::string_view method;  // "PUT" (upload) or "GET" (download)
  std::string_view url;
  std::string_view key;     // the object's key, which a message's Attachment names
  std::int64_t expires_at_ms = 0;
  std::span<const HttpHeader> headers;  // upload: the signed Content-Type and Content-Length
};

// Broker-owned answer to one upload() or download(): exactly one method,
// once, from any thread (inline too); do not touch the object afterwards.
class PresignDone {
 public:
  virtual void presigned(const PresignedRequest& request) noexcept = 0;
  // bad_request (too large, a type not allowed: say which in detail),
  // not_found, or unavailable.
  virtual void refused(Status status) noexcept = 0;

 protected:
  ~PresignDone() = default;
};

class Attachments : public Plugin {
 public:
  virtual bool start(Diagnostic& error) noexcept = 0;  // main thread
  // Somewhere to PUT the file, under a new key that issued_for(room, key)
  // accepts; refuses what config does not allow. Any thread.
  virtual void upload(const UploadRequest& request, PresignDone& done) noexcept = 0;
  // Whether `key` is one upload() gave out for `room`. Quick and without
  // I/O: the broker asks on its own thread, before it accepts a message
  // naming the key or asks for a download. Any thread.
  virtual bool issued_for(std::string_view room, std::string_view key) noexcept = 0;
  // Somewhere to GET `key`, which issued_for(room, key) accepted; the broker
  // has checked that the asking user may read `room`. Any thread.
  virtual void download(std::string_view room, std::string_view key, PresignDone& done) noexcept = 0;
};

}  // namespace natter
