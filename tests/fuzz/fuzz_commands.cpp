// natter.v1 commands as a client sends them (text frames): decoding never
// crashes, and what decodes is either an error or a command whose strings
// point into the input or the decoder's own storage.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol_codec.hpp"
#include "ws_frames.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!natter::ws::valid_utf8(text)) return 0;  // the transport refuses those before decoding
  natter::ws::DecodedCommand decoded;
  natter::ws::decode_command(text, decoded);
  if (decoded.error.empty()) {
    // Touch every view the broker would copy.
    const natter::Command& c = decoded.command;
    std::size_t bytes = c.ref.size() + c.room.size() + c.body.size() + c.password.size() + c.to.size() +
                        c.user.size() + c.kind.size() + c.after_room.size();
    for (std::string_view user : c.users) bytes += user.size();
    if (bytes > 2 * size + 64) __builtin_trap();  // views cannot hold more than the input
  }
  return 0;
}
