#pragma once
// Hands one event to a room's members: one Fanout call per transport that
// offers it, so the transport crosses to each of its threads once per
// event; members whose transport does not, or who are replaying the room,
// get it one by one. Transports are told to flush once the loop has run
// the tasks queued so far, so events that arrived together (a publisher's
// burst) leave together, many per system call. Loop thread only. Keeps its
// lists between calls, so a steady stream of events allocates nothing here.

#include <span>
#include <string_view>
#include <vector>

#include <natter/transport.hpp>

#include "chat/shared_event.hpp"
#include "runtime/executor.hpp"

namespace natter::chat {

class Session;

class FanoutBatch {
 public:
  explicit FanoutBatch(runtime::Executor& loop) : loop_(loop) {}
  void deliver(std::span<Session* const> members, const EventRef& event, std::string_view room);
  // One event for one link of a transport with a Fanout (an ack, an
  // answer), corked with the rest: a publisher's acks leave with the
  // messages it receives itself, in the same write.
  void deliver(natter::ClientLink& link, natter::Fanout& fanout, const EventRef& event);

 private:
  struct Group {
    natter::Fanout* fanout;
    std::vector<natter::ClientLink*> links;
    bool unflushed = false;
  };
  Group& group_of(natter::Fanout* fanout);
  // Marks `group` as holding events and posts the flush if none is due.
  void flush_later(Group& group);
  void flush();

  runtime::Executor& loop_;
  std::vector<Group> groups_;  // one per transport seen, in first-seen order
  bool flush_posted_ = false;
};

}  // namespace natter::chat
