#pragma once
// History in MariaDB: rooms are spread over one or more shards by
// consistent hashing, each shard batching its writes on its own thread.

#include <memory>
#include <vector>

#include <natter/plugin.hpp>

#include "mariadb_config.hpp"
#include "mariadb_shard.hpp"
#include "shard_ring.hpp"

namespace natter::mariadb {

class MariadbStore final : public natter::Storage, public natter::BatchesCompletions, public natter::RoomState {
 public:
  MariadbStore(natter::Host& host, const natter::PluginConfig& config);
  ~MariadbStore();

  bool start(natter::Diagnostic& error) noexcept override;
  void append(const natter::MessageView& message, natter::AppendDone& done) noexcept override;
  void history(const natter::HistoryQuery& query, natter::HistoryDone& done) noexcept override;
  void stop() noexcept override;
  void use(natter::CompletionRuns& runs) noexcept override;
  bool load(natter::StateVisitor& each, natter::Diagnostic& error) noexcept override;
  // Goes to the shard of the changes' room, so it keeps its order with
  // that room's appends.
  void write(std::span<const natter::StateChange> changes, natter::StateWritten& done) noexcept override;

 private:
  Shard& shard_for(std::string_view room);

  natter::Host& host_;
  const MariadbSettings settings_;
  StoreMetrics metrics_;
  ShardRing ring_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace natter::mariadb
