#pragma once
// Who is online. A user is online while any of their sessions lives, on
// this node or another (NodeRoster: each node says when a user gains their
// first session there and loses their last, and lives by a heartbeat every
// node_timeout_ms / 3; a node silent for node_timeout_ms is gone, and so
// are its users); when the last one ends they show offline offline_after_ms later,
// unless a session of theirs is back by then (a reconnecting phone never
// flaps). Changes are told as `presence` to the sessions in rooms the user
// belongs to, once per session however many rooms they share; rooms above
// announce_max_members are left out (their members ask with the presence
// op instead), so a big room filling up costs no presence events at all.
// Dead connections end through the transport's pings and idle timeout.
// Last seen times live in memory. Loop thread only; its timers post back.

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include "chat/cluster_bus.hpp"
#include "chat/node_roster.hpp"
#include "chat/outbox.hpp"
#include "chat/room_catalog.hpp"
#include "chat/room_directory.hpp"
#include "chat/session.hpp"
#include "chat/session_table.hpp"
#include "config/settings.hpp"
#include "runtime/metrics.hpp"
#include "runtime/timers.hpp"

namespace natter::chat {

class Presence {
 public:
  // Borrows everything; all of it outlives the service and `timers` stops
  // before the loop does.
  Presence(const config::BrokerSettings& settings, const RoomCatalog& catalog, RoomDirectory& rooms,
           SessionTable& sessions, Outbox& outbox, ClusterBus& cluster, runtime::Timers& timers,
           runtime::MetricsRegistry& metrics);

  // A session of `user` signed in (SessionTable has it already).
  void signed_in(const std::string& user);
  // A session of `user` ended (SessionTable no longer has it).
  void session_ended(const std::string& user);
  // The `presence` op: answers `presence` for the users asked about.
  void ask(Session& session, const OwnedCommand& command);
  // What node `node` said of itself. `peer_gap` (set once, may be empty)
  // hears that a node lost the bus for a while.
  void heard(std::uint32_t node, const BusPresence& presence);
  void on_peer_gap(std::function<void(std::uint32_t node)> peer_gap) { peer_gap_ = std::move(peer_gap); }
  // Tells the other nodes every user with a session here: to a node new
  // to the cluster, and after this node's own bus gap (`after_gap`), when
  // what they were told may be lost.
  void tell_cluster(bool after_gap = false);
  // The pub/sub plugin started: the heartbeat begins.
  void start();

  bool online(std::string_view user) const {
    return !sessions_.of_user(user).empty() || roster_.online_elsewhere(user);
  }
  // Other nodes heard from within node_timeout_ms.
  std::size_t cluster_nodes() const noexcept { return roster_.nodes(); }
  // When `user` was last online (Unix ms), or 0 if not known (never seen
  // since natterd started, or online now).
  std::int64_t last_seen_ms(const std::string& user) const;

 private:
  struct Away {
    std::int64_t since_ms = 0;      // when the last session ended
    std::uint64_t check = 0;        // the pending offline check that counts; 0: shown offline
  };
  void went_offline(const std::string& user, std::uint64_t check);
  // `user` is online now, and was not anywhere a moment ago.
  void came_online(const std::string& user);
  // `user` has no session anywhere since `since_ms`: offline after the debounce.
  void went_away(const std::string& user, std::int64_t since_ms);
  void beat();  // the heartbeat: tell the others this node lives, give up silent nodes
  // Tells the sessions sharing a room with `user` (not the user's own).
  void tell(const std::string& user, bool online, std::int64_t last_seen_ms);

  const config::BrokerSettings& settings_;
  const RoomCatalog& catalog_;
  RoomDirectory& rooms_;
  SessionTable& sessions_;
  Outbox& outbox_;
  ClusterBus& cluster_;
  runtime::Timers& timers_;
  NodeRoster roster_;
  std::function<void(std::uint32_t)> peer_gap_;
  std::unordered_map<std::string, Away> away_;  // users whose last session ended
  std::uint64_t checks_ = 0;
  std::vector<Session*> audience_;  // reused between calls
  runtime::CounterMetric& events_;
  runtime::GaugeMetric& nodes_;
};

}  // namespace natter::chat
