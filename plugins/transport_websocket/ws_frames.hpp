#pragma once
// RFC 6455 framing for the server side, as plain functions over bytes:
// parsing masked client frames, building unmasked server frames, UTF-8
// validation. Owning the framing (after Beast's handshake) is what lets a
// connection send its whole queue in one gathered write, and every
// recipient share one encoded frame. Any thread; no state.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace natter::ws {

enum class Opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

struct ClientFrame {
  bool fin = false;
  Opcode opcode = Opcode::text;
  std::size_t header_bytes = 0;
  std::uint64_t payload_bytes = 0;
  std::uint32_t mask = 0;
};

enum class FrameStatus { complete, need_more, protocol_error };

// Reads the header at the front of [data, data+size). `protocol_error`
// for reserved bits, unknown opcodes, unmasked or oversized control frames.
FrameStatus parse_client_header(const unsigned char* data, std::size_t size, ClientFrame& frame);

// Unmasks a payload in place; `offset` is its position within the frame's
// payload, for payloads unmasked in pieces.
void unmask(unsigned char* payload, std::size_t size, std::uint32_t mask, std::uint64_t offset = 0);

// Appends an unmasked, final server frame header for `payload_bytes`.
void append_server_header(std::string& out, Opcode opcode, std::size_t payload_bytes);

// A complete close frame with `code` and `reason` (truncated to fit 125).
std::string close_frame(std::uint16_t code, std::string_view reason);

bool valid_utf8(std::string_view text);

}  // namespace natter::ws
