#include "chat/fanout_batch.hpp"

#include <utility>

#include "chat/session.hpp"

namespace natter::chat {

FanoutBatch::Group& FanoutBatch::group_of(natter::Fanout* fanout) {
  for (Group& group : groups_) {
    if (group.fanout == fanout) return group;
  }
  return groups_.emplace_back(Group{fanout, {}});
}

void FanoutBatch::deliver(std::span<Session* const> members, const EventRef& event, std::string_view room) {
  for (Session* member : members) {
    if (member->closed) continue;
    if (!member->fanout() || member->holds_back(room)) {
      member->send(event, room);
      continue;
    }
    group_of(member->fanout()).links.push_back(&member->link());
  }
  for (Group& group : groups_) {
    if (group.links.empty()) continue;
    group.fanout->deliver(group.links, *event);
    group.links.clear();
    flush_later(group);
  }
}

void FanoutBatch::deliver(natter::ClientLink& link, natter::Fanout& fanout, const EventRef& event) {
  natter::ClientLink* const links[] = {&link};
  fanout.deliver(links, *event);
  flush_later(group_of(&fanout));
}

void FanoutBatch::flush_later(Group& group) {
  group.unflushed = true;
  if (!flush_posted_) {
    flush_posted_ = true;
    loop_.post([this] { flush(); });  // after the tasks already queued
  }
}

void FanoutBatch::flush() {
  flush_posted_ = false;
  for (Group& group : groups_) {
    if (std::exchange(group.unflushed, false)) group.fanout->flush();
  }
}

}  // namespace natter::chat
