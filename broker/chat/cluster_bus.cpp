#include "chat/cluster_bus.hpp"

#include "chat/direct_name.hpp"

namespace natter::chat {

ClusterBus::ClusterBus(std::uint32_t node_id, natter::PubSub& pubsub, runtime::MetricsRegistry& metrics)
    : node_id_(node_id),
      pubsub_(pubsub),
      random_(std::random_device{}()),
      published_(metrics.counter("natter_bus_published_total", "Envelopes published to other nodes")) {}

void ClusterBus::join() {
  follow(std::string(kStateTopic));
  follow(std::string(kPresenceTopic));
}

void ClusterBus::on_newly_followed(std::function<void(const std::string& topic)> newly_followed) {
  newly_followed_ = std::move(newly_followed);
}

void ClusterBus::follow(const std::string& topic) {
  if (followers_[topic]++ != 0) return;
  pubsub_.subscribe(topic);
  if (newly_followed_) newly_followed_(topic);
}

void ClusterBus::unfollow(const std::string& topic) {
  auto it = followers_.find(topic);
  if (it == followers_.end()) return;
  if (--it->second == 0) {
    followers_.erase(it);
    pubsub_.unsubscribe(topic);
  }
}

TraceId ClusterBus::new_trace() {
  TraceId trace;
  for (std::size_t i = 0; i < trace.size(); i += 8) {
    const std::uint64_t bits = random_();
    for (std::size_t j = 0; j < 8; ++j) trace[i + j] = static_cast<std::uint8_t>(bits >> (8 * j));
  }
  return trace;
}

Envelope ClusterBus::head(const TraceId& trace) {
  Envelope e;
  e.origin_node = node_id_;
  e.sequence = ++sequence_;
  e.trace = trace;
  return e;
}

void ClusterBus::to_room(std::string_view room, const std::vector<std::byte>& payload) {
  if (const auto [a, b] = direct_members(room); !a.empty()) {
    pubsub_.publish(user_topic(a), payload);
    if (b != a) pubsub_.publish(user_topic(b), payload);
  } else {
    pubsub_.publish(room_topic(room), payload);
  }
  published_.add(1);
}

void ClusterBus::message(const StoredMessage& message, const TraceId& trace) {
  to_room(message.room, encode_envelope(head(trace), message.view(), message.attachments));
}

void ClusterBus::event(const BusEvent& event, Audience audience) {
  const auto payload = encode_envelope(head(new_trace()), event);
  to_room(event.room, payload);
  // A direct room's events reach the users' topics already.
  if (audience == Audience::room || !direct_members(event.room).first.empty()) return;
  pubsub_.publish(user_topic(event.user), payload);
  published_.add(1);
}

void ClusterBus::typing(const BusTyping& typing) { to_room(typing.room, encode_envelope(head(new_trace()), typing)); }

void ClusterBus::state(const StateChanges& changes) {
  if (changes.empty()) return;
  const auto views = changes.views();
  pubsub_.publish(kStateTopic, encode_envelope(head(new_trace()), views));
  published_.add(1);
}

void ClusterBus::presence(const BusPresence& presence) {
  pubsub_.publish(kPresenceTopic, encode_envelope(head(new_trace()), presence));
  published_.add(1);
}

}  // namespace natter::chat
