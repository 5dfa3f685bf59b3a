#include "chat/outbox.hpp"

#include <utility>

namespace natter::chat {

Outbox::Group& Outbox::group_of(natter::Fanout* fanout) {
  for (Group& group : groups_) {
    if (group.fanout == fanout) return group;
  }
  return groups_.emplace_back(Group{fanout, {}});
}

void Outbox::deliver(std::span<Session* const> members, const EventRef& event, std::string_view room) {
  const bool newer_kind = natter::minor_introducing(event->event().kind) > 0;
  std::uint64_t fanned_out = 0;
  for (Session* member : members) {
    if (member->closed || (newer_kind && !member->can_encode(event->event().kind))) continue;
    if (!member->fanout() || member->holds_back(room)) {
      send(*member, event, room);
      continue;
    }
    group_of(member->fanout()).links.push_back(&member->link());
    ++fanned_out;
  }
  metrics_.events.add(fanned_out);
  for (Group& group : groups_) {
    if (group.links.empty()) continue;
    group.fanout->deliver(group.links, *event);
    group.links.clear();
    flush_later(group);
  }
}

void Outbox::send(Session& session, const EventRef& event, std::string_view room) {
  if (session.closed || !session.can_encode(event->event().kind)) return;
  metrics_.events.add(1);
  if (!room.empty() && session.holds_back(room)) {
    session.replaying.find(room)->second.push_back(event);
    return;
  }
  natter::Fanout* fanout = session.fanout();
  if (!fanout) {
    session.link().deliver(*event);
    return;
  }
  natter::ClientLink* const links[] = {&session.link()};
  fanout->deliver(links, *event);
  flush_later(group_of(fanout));
}

void Outbox::send_error(Session& session, std::string_view ref, natter::ErrorCode code, std::string_view message,
                        std::uint32_t retry_after_ms) {
  metrics_.error(code);
  // A client of a transport that predates the code hears its older cousin.
  if (!session.can_encode(code)) code = natter::older_code(code);
  auto event = EventBuffer::make(natter::EventKind::error);
  event->set_ref(ref).set_error(code, message, retry_after_ms);
  send(session, event);
}

void Outbox::flush_later(Group& group) {
  group.unflushed = true;
  if (!flush_posted_) {
    flush_posted_ = true;
    loop_.post([this] { flush(); });  // after the tasks already queued
  }
}

void Outbox::flush() {
  flush_posted_ = false;
  for (Group& group : groups_) {
    if (std::exchange(group.unflushed, false)) group.fanout->flush();
  }
}

}  // namespace natter::chat
