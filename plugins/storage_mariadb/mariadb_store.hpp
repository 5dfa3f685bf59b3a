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

class MariadbStore final : public natter::Storage,
                           public natter::BatchesCompletions,
                           public natter::RoomState,
                           public natter::MessageRevisions,
                           public natter::UnreadCounts,
                           public natter::SentRefs,
                           public natter::MessageExtras {
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
  // Goes to the shard of the message's room, after that room's appends.
  void revise(const natter::Revision& revision, natter::RevisionDone& done) noexcept override;
  void marked_history(const natter::HistoryQuery& query, natter::MarkedPageDone& done) noexcept override;
  void revised_since(std::string_view room, std::uint64_t up_to, std::uint32_t limit,
                     natter::MarkedPageDone& done) noexcept override;
  // Each query goes to its room's shard; `done` hears once all answered.
  void count(std::span<const natter::UnreadQuery> queries, natter::UnreadCounted& done) noexcept override;
  void append_with_ref(const natter::MessageView& message, std::string_view ref,
                       natter::AppendDone& done) noexcept override;
  // The newest `limit` over all shards.
  bool load_refs(std::uint32_t limit, natter::RefVisitor& each, natter::Diagnostic& error) noexcept override;
  // Goes to the shard of the message's room, as append() does.
  void append_with_extras(const natter::MessageView& message, std::string_view ref, std::string_view extras,
                          natter::AppendDone& done) noexcept override;
  void extras_of(std::string_view room, std::span<const std::uint64_t> ids,
                 natter::ExtrasFound& done) noexcept override;

 private:
  Shard& shard_for(std::string_view room);
  // Hands `read` about `room` to the room's shard, or refuses it.
  void read(HistoryRead read, std::string_view room) noexcept;

  natter::Host& host_;
  const MariadbSettings settings_;
  StoreMetrics metrics_;
  ShardRing ring_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace natter::mariadb
