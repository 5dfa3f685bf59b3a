#pragma once
// attachments_s3: files go straight between clients and an S3 bucket (AWS
// or any S3-compatible store) through presigned URLs (sigv4.hpp); natter
// only signs. A room's files live under key_prefix + a token of the
// room's name, so a key tells which room it was issued for, and a fresh
// random part per upload keeps keys unguessable. An upload URL signs the
// file's Content-Type and Content-Length, so the store refuses any other
// type or size than the one config allowed. Signing is quick and needs no
// I/O: calls complete inline, on the caller's thread. Immutable after
// construction; any thread, any number at once.

#include <chrono>
#include <functional>

#include <natter/plugin.hpp>

#include "s3_config.hpp"

namespace natter::s3 {

class S3Attachments final : public natter::Attachments {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  // `clock`: tests fix the time; empty: the system clock.
  S3Attachments(natter::Host& host, const natter::PluginConfig& config, Clock clock = {});

  bool start(natter::Diagnostic& error) noexcept override;
  void upload(const natter::UploadRequest& request, natter::PresignDone& done) noexcept override;
  bool issued_for(std::string_view room, std::string_view key) noexcept override;
  void download(std::string_view room, std::string_view key, natter::PresignDone& done) noexcept override;
  void stop() noexcept override {}

  static std::span<const natter::ConfigKey> keys() { return S3Config::keys(); }

 private:
  // key_prefix + the room's token + '/': every key issued for `room` starts so.
  std::string room_prefix(std::string_view room) const;
  // Presigns `method` on `key`, signing `headers` too, then hands it to `done`.
  void presign(std::string_view method, const std::string& key, Pairs headers, std::uint32_t expires_s,
               natter::PresignDone& done);

  natter::Host& host_;
  S3Config config_;
  Clock clock_;
  natter::Counter& uploads_;
  natter::Counter& downloads_;
  natter::Counter& refused_;
};

}  // namespace natter::s3
