#pragma once
// Who is in which room: join and leave, the announcements other members
// see, and the node's bus subscriptions (one per room with members here).
// Room names reach it validated. Loop thread only.

#include <string>
#include <string_view>

#include <natter/pubsub.hpp>

#include "chat/outbox.hpp"
#include "chat/room_directory.hpp"
#include "chat/session.hpp"
#include "config/settings.hpp"
#include "runtime/metrics.hpp"

namespace natter::chat {

class Membership {
 public:
  // Borrows everything; all of it outlives the service.
  Membership(const config::BrokerSettings& settings, RoomDirectory& rooms, Outbox& outbox, natter::PubSub& bus,
             runtime::MetricsRegistry& metrics);

  // Answers `joined` (or an error). True if the session is a member now.
  bool join(Session& session, const OwnedCommand& command);
  // Answers `left`, or `not_member`. True if the session left the room.
  bool leave(Session& session, const OwnedCommand& command);
  // The session ended: it leaves every room, without an answer.
  void leave_all(Session& session);

 private:
  void remove(Session& session, const std::string& room, std::string_view ref);
  // Whether joins and leaves in `room` are announced (it is small enough).
  bool announces(std::string_view room);
  void count_rooms();

  const config::BrokerSettings& settings_;
  RoomDirectory& rooms_;
  Outbox& outbox_;
  natter::PubSub& bus_;
  runtime::GaugeMetric& rooms_gauge_;
};

}  // namespace natter::chat
