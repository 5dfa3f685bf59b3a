#pragma once
// Where room state goes to last: the storage plugin's natter::RoomState,
// or nowhere if the plugin has none (then rooms live until natterd stops,
// and start-up says so). Loads the catalog at start and persists each of
// its changes; with ack_after = "persisted" a change's continuation runs
// once storage committed it, with "accepted" at once. Loop thread only;
// continuations run on the loop.

#include <functional>
#include <string>

#include <natter/storage.hpp>

#include "chat/cluster_bus.hpp"
#include "chat/room_catalog.hpp"
#include "config/settings.hpp"
#include "runtime/executor.hpp"
#include "runtime/metrics.hpp"

namespace natter::chat {

class StateStore {
 public:
  using Continuation = std::function<void(natter::ErrorCode, std::string)>;
  // `state` may be null; everything else outlives the store.
  StateStore(const config::BrokerSettings& settings, natter::RoomState* state, ClusterBus& cluster,
             runtime::Executor& loop, runtime::MetricsRegistry& metrics);

  bool persistent() const noexcept { return state_ != nullptr; }
  // Fills `catalog` from storage. On the loop, before any session exists.
  // False after putting the reason in `error`.
  bool load(RoomCatalog& catalog, std::string& error);
  // Persists `changes` and tells the other nodes of them; `done` (may be
  // empty) runs on the loop as above.
  void write(const StateChanges& changes, Continuation done);

 private:
  const config::BrokerSettings& settings_;
  natter::RoomState* state_;
  ClusterBus& cluster_;
  runtime::Executor& loop_;
  runtime::CounterMetric& failures_;
};

}  // namespace natter::chat
