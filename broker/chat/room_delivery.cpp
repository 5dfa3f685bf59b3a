#include "chat/room_delivery.hpp"

#include "chat/direct_name.hpp"
#include "chat/session.hpp"

namespace natter::chat {

RoomDelivery::RoomDelivery(RoomDirectory& rooms, Outbox& outbox, runtime::MetricsRegistry& metrics)
    : rooms_(rooms),
      outbox_(outbox),
      deliveries_(metrics.counter("natter_deliveries_total", "Events queued to clients")) {}

bool RoomDelivery::deliver(const StoredMessage& message) {
  rooms_.remember(message);
  Room* room = rooms_.find(message.room);
  if (!room) return false;
  auto event = EventBuffer::make(natter::EventKind::message);
  event->set_stored(message);
  outbox_.deliver(room->members, event, message.room);
  deliveries_.add(room->members.size());
  return is_direct_name(message.room) && tell_delivered(*room, message);
}

bool RoomDelivery::tell_delivered(const Room& room, const StoredMessage& message) {
  const Session* recipient = nullptr;
  std::vector<Session*> sender_devices;
  for (Session* s : room.members) {
    if (s->user == message.sender) {
      sender_devices.push_back(s);
    } else if (!s->closed) {
      recipient = s;
    }
  }
  if (!recipient) return false;
  tell_sender(message.room, recipient->user, message, std::move(sender_devices));
  return true;
}

void RoomDelivery::receipt_heard(const std::string& room, const std::string& recipient, const std::string& sender,
                                 std::uint64_t id) {
  const Room* here = rooms_.find(room);
  if (!here) return;
  std::vector<Session*> sender_devices;
  for (Session* s : here->members) {
    if (s->user == sender) sender_devices.push_back(s);
  }
  tell_sender(room, recipient, {id, 0, room, sender, {}}, std::move(sender_devices));
}

void RoomDelivery::tell_sender(const std::string& room, const std::string& recipient, const StoredMessage& message,
                               std::vector<Session*> sender_devices) {
  if (sender_devices.empty()) return;
  auto receipt = EventBuffer::make(natter::EventKind::delivered);
  receipt->set_room(room).set_user(recipient).set_message({message.id, 0, room, message.sender, {}});
  outbox_.deliver(sender_devices, receipt, room);
}

}  // namespace natter::chat
