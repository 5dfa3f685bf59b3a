#pragma once
// One shard: a writer thread that commits queued messages in batches and
// rides out outages (reconnect with exponential backoff and jitter,
// retrying the same batch, which is harmless because inserts ignore ids
// already stored), plus reader threads, each with its own connection, for
// history pages.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <natter/plugin.hpp>

#include "mariadb_config.hpp"
#include "mariadb_connection.hpp"

namespace natter::mariadb {

// Metrics shared by every shard of one store.
struct StoreMetrics {
  explicit StoreMetrics(natter::Host& host);
  void queued(std::int64_t delta);

  natter::Gauge& queue_depth;
  natter::Counter& committed;
  natter::Counter& batches;
  natter::Counter& write_errors;
  natter::Counter& reconnects;
  natter::Histogram& commit_seconds;
  std::atomic<std::int64_t> depth{0};
};

// One read for a reader thread; exactly one of the completions is set.
struct HistoryRead {
  std::string room;
  std::uint64_t before_id = 0, after_id = 0;
  std::uint32_t limit = 0;
  natter::HistoryDone* done = nullptr;
  // A page with marks, or with revised_since what changed up to after_id.
  natter::MarkedPageDone* marked = nullptr;
  bool revised_since = false;
  // An unread count: of room after after_id, not by `reader`, to `limit`.
  std::string reader;
  std::function<void(natter::Status, std::uint32_t)> counted;
  // The extras of these messages of room (natter::MessageExtras).
  std::vector<std::uint64_t> extras_ids;
  natter::ExtrasFound* extras_found = nullptr;

  // Answers the read with `status` and nothing found.
  void refuse(natter::Status status) const noexcept;
};

class Shard {
 public:
  Shard(ServerAddress server, const MariadbSettings& settings, natter::Host& host, StoreMetrics& metrics);
  ~Shard();

  // Connects and migrates the schema, then starts the threads. Throws
  // DbError if the server cannot be reached now.
  void start();
  // False if the queue is full or the shard stopped; the caller answers.
  bool append(Row row, natter::AppendDone& done);
  bool read(HistoryRead read);
  // Room state changes of one room, in order with its appends.
  bool write_state(std::vector<StateRow> changes, natter::StateWritten& done);
  // An edit or deletion, in order with its room's appends.
  bool revise(RevisionRow revision, natter::RevisionDone& done);
  // Every room state entry on this shard, over a connection of its own.
  // Throws DbError.
  void load_state(const std::function<void(const natter::StateEntry&)>& each);
  // The newest `limit` refs on this shard, newest first, over a connection
  // of its own. Throws DbError.
  void load_refs(std::uint32_t limit, const std::function<void(const natter::StoredRef&)>& each);
  // Commits what is queued (giving up after a few attempts if the server
  // is down), answers every pending read, joins the threads.
  void stop();

  const ServerAddress& server() const noexcept { return server_; }
  // The broker's runs for the writer's completions. Before start().
  void use(natter::CompletionRuns& runs) noexcept { runs_ = &runs; }

 private:
  // A message to append, room state changes (state_done set) or a
  // revision (revision_done set).
  struct Write {
    Row row;
    natter::AppendDone* done = nullptr;
    std::vector<StateRow> state;
    natter::StateWritten* state_done = nullptr;
    RevisionRow revision;
    natter::RevisionDone* revision_done = nullptr;

    enum class Sort { message, state, revision };
    Sort sort() const noexcept {
      return state_done ? Sort::state : revision_done ? Sort::revision : Sort::message;
    }
  };

  bool enqueue(Write write);
  void write_loop();
  void commit(std::vector<Write>& batch);
  // Answers one read over `connection`; throws DbError.
  static void answer(Connection& connection, const HistoryRead& read);
  // Completes every write of `batch` with `status`, as one run.
  void complete(std::vector<Write>& batch, natter::Status status);
  // Completes a committed run of revisions, each with its outcome.
  void complete_revisions(std::vector<Write>& batch, const std::vector<natter::ErrorCode>& outcomes);
  void read_loop();
  // Sleeps `pause_ms` scaled by a random factor in [0.5, 1); false if
  // stop() was called meanwhile.
  bool back_off(std::uint32_t pause_ms);

  const ServerAddress server_;
  const MariadbSettings& settings_;
  natter::Host& host_;
  StoreMetrics& metrics_;
  natter::CompletionRuns* runs_ = nullptr;  // set before start(); null with a pre-1.3 broker

  std::unique_ptr<Connection> writer_connection_;  // writer thread only
  // Set when stop() found the server unreachable: the rest of the queue is
  // refused at once instead of each batch waiting out its own attempts.
  bool unreachable_at_stop_ = false;               // writer thread only
  std::thread writer_;
  std::vector<std::thread> readers_;

  std::mutex mutex_;
  std::condition_variable wake_writer_, wake_readers_, stopped_;
  std::deque<Write> writes_;       // guarded by mutex_
  std::deque<HistoryRead> reads_;  // guarded by mutex_
  bool accepting_ = false;         // guarded by mutex_
  bool stopping_ = false;          // guarded by mutex_
};

}  // namespace natter::mariadb
