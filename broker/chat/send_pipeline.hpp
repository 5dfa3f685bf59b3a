#pragma once
// The path of one message (docs/architecture.md, "One message's trip"):
// membership > rate limiters > filters > id and timestamp > storage append
// > pub/sub publish > local delivery > ack. The ack waits for the storage
// commit with ack_after = "persisted", and only for the append to be queued
// with "accepted". A retried ref is acked with its first id, not stored
// again. Loop thread only, except where a completion says otherwise.

#include <cstdint>
#include <memory>
#include <unordered_map>

#include <natter/plugin.hpp>

#include "chat/broker_metrics.hpp"
#include "chat/broker_parts.hpp"
#include "chat/cluster_bus.hpp"
#include "chat/offline_notices.hpp"
#include "chat/outbox.hpp"
#include "chat/ref_ledger.hpp"
#include "chat/room_delivery.hpp"
#include "chat/session.hpp"
#include "chat/session_table.hpp"
#include "chat/snowflake.hpp"
#include "config/settings.hpp"
#include "runtime/executor.hpp"
#include "runtime/metrics.hpp"

namespace natter::chat {

struct PendingSend;

// Where a sent message goes once admitted and given an id. All borrowed;
// all outlive the pipeline.
struct SendTargets {
  natter::Storage& storage;
  natter::SentRefs* refs;  // the storage's, or nullptr: refs are then remembered in memory only
  natter::MessageExtras* extras;  // the storage's, or nullptr: attachments then last only in memory
  ClusterBus& bus;
  RoomDelivery& rooms;
  OfflineNotices& offline;  // tells the hooks of users the message concerns who are offline
};

class SendPipeline {
 public:
  // Borrows everything but `chains`; all of it outlives the pipeline.
  SendPipeline(const config::BrokerSettings& settings, PolicyChains chains, SendTargets targets,
               SnowflakeGenerator& ids, SessionTable& sessions, Outbox& outbox, BrokerMetrics& broker_metrics,
               runtime::Executor& loop, runtime::MetricsRegistry& metrics);
  ~SendPipeline();

  void send(Session& session, OwnedCommand command);
  // Main thread, before any send: the refs storage kept with the newest
  // messages (remembered_refs of them), so a retry after a restart is
  // answered with its first id. False after putting the reason in `error`.
  bool load_refs(std::string& error);
  // Sends between acceptance and their final storage answer.
  std::size_t in_flight() const noexcept { return pending_.size(); }
  // From the next message on, these chains apply (a reload); a message
  // between limiters starts over with the new ones.
  void replace_chains(PolicyChains chains);
  // Runs `body` through the content filters, as a message's body: empty,
  // with `body` as the filters left it, or why one of them rejected it.
  std::string inspect(std::string_view room, std::string_view sender, std::string& body);

  // Continuations, posted to the loop by PendingSend's completions.
  void admitted(PendingSend& send);
  void refused(PendingSend& send, std::uint32_t retry_after_ms);
  void appended(PendingSend& send);

 private:
  void admit_next(PendingSend& send);
  void observe_admit(PendingSend& send);
  void filter_and_store(PendingSend& send);
  void acknowledge(PendingSend& send);
  void fail(PendingSend& send, natter::ErrorCode code, std::string_view message,
            std::uint32_t retry_after_ms = 0);
  void finish(PendingSend& send);
  // The ledger's record of `send`'s ref, unless the ledger forgot it or
  // now tracks a later send of the same ref (it forgot this one first).
  RefLedger::Entry* own_ref(const PendingSend& send);
  void reply(std::uint64_t session_id, const EventRef& event);

  const config::BrokerSettings& settings_;
  PolicyChains chains_;
  std::uint64_t chain_generation_ = 0;  // bumped by replace_chains()
  SendTargets targets_;
  SessionTable& sessions_;
  Outbox& outbox_;
  BrokerMetrics& broker_metrics_;
  runtime::Executor& loop_;
  SnowflakeGenerator& ids_;
  RefLedger refs_;
  std::uint64_t next_send_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<PendingSend>> pending_;

  runtime::CounterMetric& received_;
  runtime::CounterMetric& stored_;
  runtime::CounterMetric& store_failures_;
  runtime::CounterMetric& duplicates_;
};

}  // namespace natter::chat
