#pragma once
// A message reaches a room on this node: it joins the room's recent
// messages (so history and replay see it before storage commits it) and
// goes to every member here. The same for a message sent on this node and
// one that arrived over the bus. In a direct room, the sender's devices
// here then hear `delivered` if a device of the other user got it; the
// sender's devices on other nodes hear it from receipt_heard().
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

  // True if `message` is a direct one and a device of its recipient here got it.
  bool deliver(const StoredMessage& message);
  // Another node said a device of `recipient` there got message `id` of
  // `sender` in direct room `room`.
  void receipt_heard(const std::string& room, const std::string& recipient, const std::string& sender,
                     std::uint64_t id);

 private:
  bool tell_delivered(const Room& room, const StoredMessage& message);
  void tell_sender(const std::string& room, const std::string& recipient, const StoredMessage& message,
                   std::vector<Session*> sender_devices);

  RoomDirectory& rooms_;
  Outbox& outbox_;
  runtime::CounterMetric& deliveries_;
};

}  // namespace natter::chat
