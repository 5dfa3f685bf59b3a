#pragma once
// How events reach sessions. Everything the broker tells a client goes
// through here: a room's event to its members, an answer or error to one
// session. A room's event goes to each transport that offers a Fanout in
// one call, so the transport crosses to each of its threads once per
// event; members whose transport does not get it one by one, and members
// replaying the room get it after their replay. A session whose transport
// was built before the event's kind existed does not get it. Transports are told to
// flush once the loop has run the tasks queued so far, so events that
// arrived together (a publisher's burst) leave together, many per system
// call. Keeps its lists between calls, so a steady stream of events
// allocates nothing here. Loop thread only.

#include <span>
#include <string_view>
#include <vector>

#include <natter/transport.hpp>

#include "chat/broker_metrics.hpp"
#include "chat/session.hpp"
#include "chat/shared_event.hpp"
#include "runtime/executor.hpp"

namespace natter::chat {

class Outbox {
 public:
  // `loop` and `metrics` outlive the outbox.
  Outbox(runtime::Executor& loop, BrokerMetrics& metrics) : loop_(loop), metrics_(metrics) {}

  // `event` for every open session in `members`, which are in `room`.
  void deliver(std::span<Session* const> members, const EventRef& event, std::string_view room);
  // `event` for one session, or, if `room` is given and the session is
  // replaying it, held back until the replay is out. An answer to a
  // session of a transport with a Fanout is corked with the rest: a
  // publisher's acks leave with the messages it receives itself, in the
  // same write.
  void send(Session& session, const EventRef& event, std::string_view room = {});
  // An `error` event for one session, counted by code.
  void send_error(Session& session, std::string_view ref, natter::ErrorCode code, std::string_view message,
                  std::uint32_t retry_after_ms = 0);

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
  BrokerMetrics& metrics_;
  std::vector<Group> groups_;  // one per transport seen, in first-seen order
  bool flush_posted_ = false;
};

}  // namespace natter::chat
