// The inter-node envelope as a pub/sub backend hands it over: anything
// another node (or whoever reaches the bus) publishes. Decoding never
// crashes, and what decodes encodes back to the same envelope.
#include <cstddef>
#include <cstdint>
#include <span>

#include "chat/bus_codec.hpp"

namespace {

using natter::chat::BusKind;
using natter::chat::DecodeError;
using natter::chat::Envelope;

std::vector<std::byte> encode_again(const Envelope& e) {
  switch (e.kind) {
    case BusKind::message: return natter::chat::encode_envelope(e, e.message.view());
    case BusKind::event: return natter::chat::encode_envelope(e, e.event);
    case BusKind::typing: return natter::chat::encode_envelope(e, e.typing);
    case BusKind::presence: return natter::chat::encode_envelope(e, e.presence);
    case BusKind::state: {
      std::vector<natter::StateChange> views;
      for (const auto& c : e.changes) views.push_back(c.view());
      return natter::chat::encode_envelope(e, views);
    }
  }
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  DecodeError error = DecodeError::none;
  const auto decoded = natter::chat::decode_envelope(std::as_bytes(std::span(data, size)), error);
  if (!decoded) return 0;
  const auto round_trip = natter::chat::decode_envelope(encode_again(*decoded), error);
  if (!round_trip || round_trip->kind != decoded->kind || round_trip->origin_node != decoded->origin_node ||
      round_trip->message.id != decoded->message.id || round_trip->message.body != decoded->message.body ||
      round_trip->event.room != decoded->event.room || round_trip->typing.user != decoded->typing.user ||
      round_trip->changes.size() != decoded->changes.size() ||
      round_trip->presence.users != decoded->presence.users) {
    __builtin_trap();
  }
  return 0;
}
