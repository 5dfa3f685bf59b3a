#pragma once
// Who belongs to which room, and which sessions are in it on this node.
// Membership is a user's, kept in the RoomCatalog and persisted: joining
// makes the user a member (checking the room's kind, password or
// invitation), and a member's devices each join to receive the room live.
// Leaving (or being kicked) ends the membership and takes every device of
// the user out; a session that ends just leaves the rooms, silently. This
// also keeps the node's bus subscriptions: one per room with sessions here.
// Room names reach it validated. Loop thread only.

#include <functional>
#include <string>
#include <string_view>

#include "chat/cluster_bus.hpp"
#include "chat/outbox.hpp"
#include "chat/password_backoff.hpp"
#include "chat/passwords.hpp"
#include "chat/room_catalog.hpp"
#include "chat/room_directory.hpp"
#include "chat/session.hpp"
#include "chat/session_table.hpp"
#include "chat/state_store.hpp"
#include "chat/typing.hpp"
#include "chat/unread_counter.hpp"
#include "config/settings.hpp"
#include "runtime/metrics.hpp"

namespace natter::chat {

// The services Membership works with; all borrowed, all outlive it.
struct MembershipParts {
  RoomCatalog& catalog;
  RoomDirectory& rooms;
  SessionTable& sessions;
  Outbox& outbox;
  ClusterBus& bus;
  StateStore& state;
  Passwords& passwords;
  Typing& typing;
};

class Membership {
 public:
  // Sends the `joined` answer built for the join command: with what the
  // session missed after it, if the join has `since`; then the room's live
  // events, which wait behind the answer (Session::replaying).
  using Joined = std::function<void(Session&, const OwnedCommand&, EventRef answer)>;
  Membership(const config::BrokerSettings& settings, MembershipParts parts, UnreadCounter& unread,
             runtime::MetricsRegistry& metrics, Joined joined);

  // Answers `joined` (now, or once a password is checked and the
  // membership stored) or an error.
  void join(Session& session, const OwnedCommand& command);
  // Ends the user's membership: answers `left`, or an error.
  void leave(Session& session, const OwnedCommand& command);
  // The user may join (or just created the room): stores `changes`, then
  // the session enters the room as a new member and is answered `joined`.
  void admit(Session& session, const OwnedCommand& command, StateChanges changes);
  // Takes `user` out of `room` on this node: each of their sessions in it
  // hears `left` (with `ref` if it is `answer_to`), and so do the others
  // if the room is small enough to announce. `by`: who kicked them, if
  // anyone; `answer_to`: the session whose command did it.
  // The other nodes are told too.
  void remove_user(const std::string& room, const std::string& user, std::string_view by, Session* answer_to,
                   std::string_view ref);
  // remove_user for this node only: another node took them out.
  void remove_here(const std::string& room, const std::string& user, std::string_view by,
                   Session* answer_to = nullptr, std::string_view ref = {});
  // Puts the session in the room's live delivery, without an answer.
  void attach(Session& session, const std::string& room);
  void detach(Session& session, const std::string& room);
  // The session signed in: it enters the user's direct rooms.
  void signed_in(Session& session);
  // The session ended: it leaves every room without a word to anyone.
  void session_ended(Session& session);

 private:
  // The session enters the room and is answered; `newly`: the user just
  // became a member, which the others hear.
  void enter(Session& session, const OwnedCommand& command, bool newly);
  // The `joined` answer, with the unread count (-1: not known).
  void answer_join(Session& session, const OwnedCommand& command, std::int64_t unread);
  void check_password(Session& session, const OwnedCommand& command, const RoomRecord& record);
  // Whether joins and leaves among `members` members are announced.
  bool announces(std::size_t members) const { return members <= settings_.announce_max_members; }
  // Joined rooms that count against max_rooms_per_session (direct ones do not).
  std::size_t counted_rooms(const Session& session) const;
  void count_rooms();

  const config::BrokerSettings& settings_;
  MembershipParts parts_;
  UnreadCounter& unread_;
  Joined joined_;
  PasswordBackoff backoff_;
  runtime::GaugeMetric& rooms_gauge_;
};

}  // namespace natter::chat
