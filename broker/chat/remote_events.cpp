#include "chat/remote_events.hpp"

#include "chat/direct_name.hpp"
#include "chat/trace_context.hpp"
#include "runtime/logging.hpp"

namespace natter::chat {

namespace {
constexpr std::string_view kMemberPrefix = "member:";
constexpr std::string_view kInvitePrefix = "invite:";
}  // namespace

void RemoteEvents::apply(const Envelope& envelope) {
  switch (envelope.kind) {
    case BusKind::message: {
      // Read back from storage after a gap already, and then delivered
      // late by a backend that had kept it (MQTT's queued QoS 1).
      const Room* room = parts_.rooms.find(envelope.message.room);
      if (room && room->holds(envelope.message.id)) return;
      if (runtime::log().should_log(spdlog::level::debug)) {
        runtime::log().debug("message {} in '{}' from {} arrived from node {}, trace {}", envelope.message.id,
                             envelope.message.room, envelope.message.sender, envelope.origin_node,
                             trace_text(envelope.trace));
      }
      if (parts_.delivery.deliver(envelope.message)) {
        // The sender's devices on other nodes hear that it arrived here.
        const auto [a, b] = direct_members(envelope.message.room);
        BusEvent receipt{natter::EventKind::delivered, envelope.message.room,
                         std::string(a == envelope.message.sender ? b : a), {}, {}};
        receipt.message.id = envelope.message.id;
        receipt.message.sender = envelope.message.sender;
        parts_.bus.event(receipt);
      }
      return;
    }
    case BusKind::event: event(envelope.event); return;
    case BusKind::typing: parts_.typing.heard(envelope.typing); return;
    case BusKind::state: state(envelope.changes); return;
    case BusKind::presence: parts_.presence.heard(envelope.origin_node, envelope.presence); return;
  }
}

void RemoteEvents::event(const BusEvent& e) {
  using natter::EventKind;
  switch (e.kind) {
    case EventKind::joined: {
      const Room* present = parts_.rooms.find(e.room);
      const RoomRecord* record = parts_.catalog.find(e.room);
      if (!present || !record || record->members.size() > settings_.announce_max_members) return;
      auto announcement = EventBuffer::make(EventKind::joined);
      announcement->set_room(e.room).set_user(e.user);
      parts_.outbox.deliver(present->members, announcement, e.room);  // behind a join answer under way
      return;
    }
    case EventKind::left: parts_.membership.remove_here(e.room, e.user, e.by); return;
    case EventKind::room_deleted: parts_.admin.deleted_here(e.room, e.by); return;
    case EventKind::read: parts_.reads.heard(e.room, e.user, e.message.id); return;
    case EventKind::edited:
    case EventKind::deleted: parts_.edits.heard(e.message, e.by); return;
    case EventKind::delivered: parts_.delivery.receipt_heard(e.room, e.user, e.message.sender, e.message.id); return;
    default: return;  // a kind a newer node tells of: nothing to do here
  }
}

void RemoteEvents::state(const std::vector<BusStateChange>& changes) {
  for (const BusStateChange& change : changes) {
    parts_.catalog.apply(change.view());
    if (change.op != natter::StateOp::put) continue;
    if (change.key.starts_with(kInvitePrefix)) {
      // The invited user's devices here hear of it from the room state,
      // which every node follows from the start: a user topic subscribed
      // a moment ago could miss it.
      auto told = EventBuffer::make(natter::EventKind::invited);
      told->set_room(change.room).set_user(change.key.substr(kInvitePrefix.size())).set_by(change.value);
      for (Session* device : parts_.sessions.of_user(change.key.substr(kInvitePrefix.size()))) {
        parts_.outbox.send(*device, told);
      }
      continue;
    }
    // A direct room made elsewhere: its users' sessions here enter it, as
    // they would have at sign-in had it existed.
    if (!change.key.starts_with(kMemberPrefix) || !is_direct_name(change.room)) continue;
    const std::string user = change.key.substr(kMemberPrefix.size());
    const std::vector<Session*> devices(parts_.sessions.of_user(user).begin(), parts_.sessions.of_user(user).end());
    for (Session* device : devices) parts_.membership.attach(*device, change.room);
  }
}

}  // namespace natter::chat
