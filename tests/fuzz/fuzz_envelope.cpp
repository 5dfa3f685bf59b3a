// The inter-node envelope as a pub/sub backend hands it over: anything
// another node (or whoever reaches the bus) publishes. Decoding never
// crashes, and what decodes encodes back to the same message.
#include <cstddef>
#include <cstdint>
#include <span>

#include "chat/bus_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto decoded = natter::chat::decode_bus_message(std::as_bytes(std::span(data, size)));
  if (!decoded) return 0;
  const auto again = natter::chat::encode_bus_message(decoded->origin_node, decoded->message.view());
  const auto round_trip = natter::chat::decode_bus_message(again);
  if (!round_trip || round_trip->message.id != decoded->message.id ||
      round_trip->message.body != decoded->message.body || round_trip->message.room != decoded->message.room) {
    __builtin_trap();
  }
  return 0;
}
