#include "chat/bus_inbox.hpp"

#include "chat/bus_codec.hpp"
#include "runtime/logging.hpp"

namespace natter::chat {

BusInbox::BusInbox(std::uint32_t node_id, RoomDelivery& rooms, runtime::Executor& loop,
                   runtime::MetricsRegistry& metrics)
    : node_id_(node_id),
      rooms_(rooms),
      loop_(loop),
      received_(metrics.counter("natter_bus_received_total", "Messages received from other nodes")) {}

void BusInbox::received(std::string_view topic, std::span<const std::byte> payload) noexcept {
  auto decoded = decode_bus_message(payload);
  if (!decoded) {
    runtime::log().warn("ignoring undecodable bus payload on '{}' ({} bytes)", topic, payload.size());
    return;
  }
  if (decoded->origin_node == node_id_) return;  // our own echo
  try {
    loop_.post([this, m = std::move(decoded->message)] {
      received_.add(1);
      rooms_.deliver(m);
    });
  } catch (...) {
    // Out of memory: this node's members miss the message live and
    // recover it from storage with `since`.
  }
}

}  // namespace natter::chat
