#pragma once
// The chat broker: sessions, rooms and membership, replay and history, and
// the bus between nodes. Transports enter through a TransportEntry each, the pub/sub
// plugin through BusListener; both hop onto the broker loop, which is the
// only thread that touches the state below. Sending lives in SendPipeline.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <natter/plugin.hpp>

#include "chat/broker_metrics.hpp"
#include "chat/fanout_batch.hpp"
#include "chat/room_directory.hpp"
#include "chat/session.hpp"
#include "config/settings.hpp"
#include "runtime/executor.hpp"
#include "runtime/metrics.hpp"

namespace natter::chat {

class SendPipeline;

// The plugins the broker works through. All outlive the broker.
struct BrokerParts {
  natter::Storage& storage;
  natter::PubSub& pubsub;
  natter::Authenticator& auth;
  std::vector<natter::RateLimiter*> limiters;
  std::vector<natter::Filter*> filters;
  // Names, for metrics: one per plugin above, limiters and filters in order.
  std::string storage_name, auth_name;
  std::vector<std::string> limiter_names, filter_names;
  // Bumped whenever a reload replaces the limiter and filter chains.
  std::uint64_t chain_generation = 0;
};

class Broker final : public natter::BusListener {
 public:
  Broker(const config::BrokerSettings& settings, BrokerParts parts, runtime::Executor& loop,
         runtime::MetricsRegistry& metrics);
  ~Broker();

  // For TransportEntry, any thread: BrokerEntry's calls, for a link whose
  // transport also takes events through `fanout` (nullptr: it does not)
  // and, with `inline_commands`, lets its commands run on its own thread.
  natter::SessionPort* open_session(natter::ClientLink& link, const natter::ConnectInfo& info,
                                    natter::Fanout* fanout, bool inline_commands) noexcept;
  void count_bad_request() noexcept;
  // BusListener: any thread.
  void received(std::string_view topic, std::span<const std::byte> payload) noexcept override;

  // Main thread, after every transport stopped: waits until no send is in
  // flight or `deadline` passes. Returns how many were still in flight.
  std::size_t drain(std::chrono::milliseconds deadline);
  // Main thread: from the next message on, use these chains (a reload).
  // Returns once the loop uses them; the old plugins may then be stopped.
  void replace_chains(std::vector<natter::RateLimiter*> limiters, std::vector<std::string> limiter_names,
                      std::vector<natter::Filter*> filters, std::vector<std::string> filter_names);

  // Loop thread only from here on.
  void handle(Session& session, OwnedCommand command);
  void end_session(Session& session);
  Session* find_session(std::uint64_t id);
  bool is_member(const Session& session, std::string_view room) const;
  // Keeps `message` among its room's recent ones and delivers it to the
  // room's members on this node.
  void deliver_message(const StoredMessage& message);
  const config::BrokerSettings& settings() const noexcept { return settings_; }
  BrokerMetrics& metrics() noexcept { return metrics_; }
  FanoutBatch& fanout() noexcept { return fanout_; }

 private:
  void authenticated(std::uint64_t session_id, std::string user);
  void auth_refused(std::uint64_t session_id, std::string reason);
  void join(Session& session, const OwnedCommand& command);
  void leave(Session& session, const OwnedCommand& command);
  void history(Session& session, const OwnedCommand& command);
  void replay(Session& session, const OwnedCommand& command);
  void remove_from_room(Session& session, const std::string& room, std::string_view ref);
  // Whether joins and leaves in `room` are announced (it is small enough).
  bool announces(std::string_view room);
  // A storage page merged with the room's recent, maybe uncommitted, messages.
  std::vector<StoredMessage> page_with_recent(natter::HistoryQuery query, const std::string& room,
                                              const std::vector<StoredMessage>& stored);
  // Validates the command's room name; false after telling the client.
  bool room_name_ok(Session& session, const OwnedCommand& command);

  const config::BrokerSettings settings_;
  BrokerParts parts_;
  runtime::Executor& loop_;
  BrokerMetrics metrics_;
  std::atomic<std::uint64_t> next_session_id_{1};
  std::unordered_map<std::uint64_t, std::unique_ptr<Session>> sessions_;
  RoomDirectory rooms_;
  FanoutBatch fanout_;
  std::unique_ptr<SendPipeline> sends_;

  runtime::GaugeMetric& connections_;
  runtime::GaugeMetric& rooms_gauge_;
  runtime::CounterMetric& deliveries_;
  runtime::CounterMetric& bus_received_;
};

}  // namespace natter::chat
