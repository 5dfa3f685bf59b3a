#pragma once
// This node's side of the pub/sub plugin: which topics it follows and what
// it tells the other nodes. A room's traffic goes to the room's topic,
// which a node follows while a session of its own is in the room; a direct
// room's goes to both users' topics instead, which a node follows while
// either user has a session there, so a direct room needs no subscription
// of its own and its first message cannot outrun one. Room state goes to
// the state topic and presence to the presence topic, which every node
// follows from the start. Each
// publication gets the next sequence number of this node and a trace id.
// Loop thread only (the plugin's calls never block).

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

#include <natter/pubsub.hpp>

#include "chat/bus_codec.hpp"
#include "chat/room_catalog.hpp"
#include "runtime/metrics.hpp"

namespace natter::chat {

class ClusterBus {
 public:
  // Borrows `pubsub`, which outlives the bus.
  ClusterBus(std::uint32_t node_id, natter::PubSub& pubsub, runtime::MetricsRegistry& metrics);
  // The plugin started: follow the topics every node follows.
  void join();

  std::uint32_t node_id() const noexcept { return node_id_; }

  // Interest, counted per topic: the plugin hears subscribe for the first
  // and unsubscribe for the last. A plugin subscribes asynchronously, so
  // what another node publishes in the moment before the subscription
  // takes effect is missed: `newly_followed` (set once, before any follow)
  // hears each topic that gained its first interest, to read that back.
  void on_newly_followed(std::function<void(const std::string& topic)> newly_followed);
  void follow(const std::string& topic);
  void unfollow(const std::string& topic);

  // Publications.
  void message(const StoredMessage& message, const TraceId& trace);
  // Who an event of `event.room` goes to: the room's topic, or also
  // `event.user`'s, one envelope that a node following both applies once
  // (someone removed from a room they joined a moment ago, before that
  // node's subscription to the room took effect, still hears it).
  // Invitations need neither: other nodes tell them from the room state.
  enum class Audience { room, room_and_user };
  void event(const BusEvent& event, Audience audience = Audience::room);
  void typing(const BusTyping& typing);
  void state(const StateChanges& changes);
  void presence(const BusPresence& presence);

  // A fresh W3C trace id, for a message that came without one.
  TraceId new_trace();

 private:
  Envelope head(const TraceId& trace);
  // Sends `payload` to the room's topic, or both users' if it is direct.
  void to_room(std::string_view room, const std::vector<std::byte>& payload);

  std::uint32_t node_id_;
  natter::PubSub& pubsub_;
  std::uint64_t sequence_ = 0;
  std::mt19937_64 random_;
  std::unordered_map<std::string, std::uint32_t> followers_;  // topic: interest count
  std::function<void(const std::string&)> newly_followed_;
  runtime::CounterMetric& published_;
};

}  // namespace natter::chat
