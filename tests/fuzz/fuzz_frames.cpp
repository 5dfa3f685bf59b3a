// A client's byte stream as the WebSocket transport reads it: frame
// headers one after another, each payload unmasked in two pieces and text
// checked for UTF-8, as the connection does. Never reads past the input.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "ws_frames.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace natter::ws;
  std::vector<unsigned char> bytes(data, data + size);  // unmasked in place, like the read buffer
  std::size_t at = 0;
  while (at < bytes.size()) {
    ClientFrame frame;
    const FrameStatus status = parse_client_header(bytes.data() + at, bytes.size() - at, frame);
    if (status != FrameStatus::complete) break;
    if (frame.header_bytes == 0 || frame.header_bytes > bytes.size() - at) __builtin_trap();
    at += frame.header_bytes;
    if (frame.payload_bytes > bytes.size() - at) break;  // need more
    const auto payload = static_cast<std::size_t>(frame.payload_bytes);
    const std::size_t half = payload / 2;
    unmask(bytes.data() + at, half, frame.mask, 0);
    unmask(bytes.data() + at + half, payload - half, frame.mask, half);
    if (frame.opcode == Opcode::text) {
      (void)valid_utf8(std::string_view(reinterpret_cast<const char*>(bytes.data() + at), payload));
    }
    at += payload;
  }
  return 0;
}
