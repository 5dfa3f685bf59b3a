#include "chat/room_delivery.hpp"

#include "chat/direct_name.hpp"
#include "chat/session.hpp"

namespace natter::chat {

RoomDelivery::RoomDelivery(RoomDirectory& rooms, Outbox& outbox, runtime::MetricsRegistry& metrics)
    : rooms_(rooms),
      outbox_(outbox),
      deliveries_(metrics.counter("natter_deliveries_total", "Events queued to clients")) {}

void RoomDelivery::deliver(const StoredMessage& message) {
  rooms_.remember(message);
  Room* room = rooms_.find(message.room);
  if (!room) return;
  auto event = EventBuffer::make(natter::EventKind::message);
  event->set_message(message.view());
  outbox_.deliver(room->members, event, message.room);
  deliveries_.add(room->members.size());
  if (is_direct_name(message.room)) tell_delivered(*room, message);
}

void RoomDelivery::tell_delivered(const Room& room, const StoredMessage& message) {
  const Session* recipient = nullptr;
  std::vector<Session*> sender_devices;
  for (Session* s : room.members) {
    if (s->user == message.sender) {
      sender_devices.push_back(s);
    } else if (!s->closed) {
      recipient = s;
    }
  }
  if (!recipient || sender_devices.empty()) return;
  auto receipt = EventBuffer::make(natter::EventKind::delivered);
  receipt->set_room(message.room).set_user(recipient->user).set_message({message.id, 0, message.room, message.sender, {}});
  outbox_.deliver(sender_devices, receipt, message.room);
}

}  // namespace natter::chat
