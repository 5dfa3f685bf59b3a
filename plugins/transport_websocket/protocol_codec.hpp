#pragma once
// natter.v1 over WebSocket: JSON text frames (docs/protocol.md). Decodes
// client commands into SDK Commands and encodes SDK Events. Ids travel as
// decimal strings because JavaScript loses integers past 2^53.

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>
#include <natter/plugin.hpp>

namespace natter::ws {

inline constexpr std::string_view kSubprotocol = "natter.v1";
inline constexpr std::size_t kMaxJsonDepth = 32;

// A decoded frame. `command` views strings inside `document`, so decode in
// place and do not move or copy it. The document is built in `arena`, so a
// typical command is parsed without touching the heap.
struct DecodedCommand {
  unsigned char arena_bytes[2048];
  boost::json::monotonic_resource arena{arena_bytes, sizeof arena_bytes};  // outlives document
  boost::json::value document;
  natter::Command command;
  std::vector<std::string_view> users;  // what command.users views
  std::vector<natter::Attachment> attachments;  // what command.attachments views
  std::string error;  // non-empty: the frame is a bad request, this says why
  std::string ref;    // the ref, if it could be read, for the error reply
};

void decode_command(std::string_view text, DecodedCommand& out);

// Encodes events as natter.v1 JSON; one shared instance per process.
class JsonEncoder final : public natter::EventEncoder {
 public:
  void encode(const natter::Event& event, natter::ByteSink& out) const noexcept override;
  static const JsonEncoder& instance();
};

// Encodes events as complete natter.v1 WebSocket server frames (header and
// JSON), so fan-out shares the very bytes it writes; one per process.
class FrameEncoder final : public natter::EventEncoder {
 public:
  void encode(const natter::Event& event, natter::ByteSink& out) const noexcept override;
  static const FrameEncoder& instance();
};

// An error event, for refusals the transport makes before the broker sees
// a command (bad JSON, missing fields).
std::string encode_error(std::string_view ref, natter::ErrorCode code, std::string_view message);

}  // namespace natter::ws
