#pragma once
// Who is typing in which room. Members hear it in batches: at most one
// `typing` event per room per typing_batch_ms, naming everyone typing
// there then, so a storm of typists costs one event per member per batch,
// never one per keystroke. A typist drops out after typing_ttl_ms unless
// they type again (or say they stopped, or leave), and the room is told.
// Nothing of it is stored. Typing on this node is told to the other
// nodes (ClusterBus) and theirs is heard here (heard()), so each node
// batches the room's whole list for its own members. Loop thread only;
// its timers post back to the loop.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "chat/bus_codec.hpp"
#include "chat/cluster_bus.hpp"
#include "chat/outbox.hpp"
#include "chat/room_directory.hpp"
#include "chat/session.hpp"
#include "config/settings.hpp"
#include "runtime/metrics.hpp"
#include "runtime/timers.hpp"

namespace natter::chat {

class Typing {
 public:
  // Borrows everything; all of it outlives the service and `timers` stops
  // before the loop does.
  Typing(const config::BrokerSettings& settings, RoomDirectory& rooms, Outbox& outbox, ClusterBus& cluster,
         runtime::Timers& timers, runtime::MetricsRegistry& metrics);

  // A `typing` command; only a refusal is answered.
  void typed(Session& session, const OwnedCommand& command);
  // `user` no longer types in `room` (said so, left, or went away).
  void stop(const std::string& user, const std::string& room);
  // Typing another node told of.
  void heard(const BusTyping& typing);

 private:
  using Clock = runtime::Timers::Clock;
  struct RoomTyping {
    std::map<std::string, Clock::time_point, std::less<>> typists;  // user: typing until
    std::vector<std::string> told;  // who the members last heard was typing
    Clock::time_point last_batch{};  // when they heard it
    // The one check that counts (timers cannot be cancelled, so earlier
    // ones still run, and are ignored): when it runs, and its number.
    Clock::time_point next_check = Clock::time_point::max();
    std::uint64_t check = 0;
  };
  // Makes sure the room is checked at `when` or sooner.
  void check_at(const std::string& room, RoomTyping& typing, Clock::time_point when);
  // News for the room: check it as soon as a batch after the last one may go.
  void batch_later(const std::string& room, RoomTyping& typing);
  // Drops typists whose time is up and tells the members if the list changed.
  void check(const std::string& room, std::uint64_t check);
  void start(const std::string& user, const std::string& room);
  bool end(const std::string& user, const std::string& room);  // false if they were not typing

  const config::BrokerSettings& settings_;
  RoomDirectory& rooms_;
  Outbox& outbox_;
  ClusterBus& cluster_;
  runtime::Timers& timers_;
  std::map<std::string, RoomTyping, std::less<>> typing_;  // rooms with typists or news
  std::uint64_t checks_ = 0;
  runtime::CounterMetric& events_;
};

}  // namespace natter::chat
