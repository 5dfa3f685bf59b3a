#pragma once
// Messages other nodes published, as the pub/sub plugin hands them over:
// decoded, our own echoes dropped, and delivered to this node's members
// like a message sent here. received() runs on the plugin's thread and
// hops to the loop.

#include <cstdint>
#include <span>
#include <string_view>

#include <natter/pubsub.hpp>

#include "chat/room_delivery.hpp"
#include "runtime/executor.hpp"
#include "runtime/metrics.hpp"

namespace natter::chat {

class BusInbox final : public natter::BusListener {
 public:
  // Borrows `rooms` and `loop`, which outlive the pub/sub plugin's stop().
  BusInbox(std::uint32_t node_id, RoomDelivery& rooms, runtime::Executor& loop, runtime::MetricsRegistry& metrics);

  // BusListener: any thread.
  void received(std::string_view topic, std::span<const std::byte> payload) noexcept override;

 private:
  std::uint32_t node_id_;
  RoomDelivery& rooms_;
  runtime::Executor& loop_;
  runtime::CounterMetric& received_;
};

}  // namespace natter::chat
