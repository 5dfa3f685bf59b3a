#include "chat/room_delivery.hpp"

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
}

}  // namespace natter::chat
