#pragma once
// A message reaches a room on this node: it joins the room's recent
// messages (so history and replay see it before storage commits it) and
// goes to every member here. The same for a message sent on this node and
// one that arrived over the bus. In a direct room, the sender's devices
// here then hear `delivered` if a device of the other user got it.
// Loop thread only.

#include "chat/outbox.hpp"
#include "chat/room_directory.hpp"
#include "chat/stored_message.hpp"
#include "runtime/metrics.hpp"

namespace natter::chat {

class RoomDelivery {
 public:
  // Borrows `rooms` and `outbox`, which outlive it.
  RoomDelivery(RoomDirectory& rooms, Outbox& outbox, runtime::MetricsRegistry& metrics);

  void deliver(const StoredMessage& message);

 private:
  void tell_delivered(const Room& room, const StoredMessage& message);

  RoomDirectory& rooms_;
  Outbox& outbox_;
  runtime::CounterMetric& deliveries_;
};

}  // namespace natter::chat
