#pragma once
// The embedded default storage: SQLite in WAL mode, written by one worker
// thread that commits queued messages in batches (many per transaction)
// and answers history reads between batches. The broker never waits on it.

#include <condition_variable>
#include <functional>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include <natter/plugin.hpp>

#include "sqlite_db.hpp"

namespace natter::sqlite {

class SqliteStore final : public natter::Storage,
                          public natter::BatchesCompletions,
                          public natter::RoomState,
                          public natter::MessageRevisions,
                          public natter::UnreadCounts,
                          public natter::SentRefs,
                          public natter::MessageExtras {
 public:
  SqliteStore(natter::Host& host, const natter::PluginConfig& config);
  ~SqliteStore();

  bool start(natter::Diagnostic& error) noexcept override;
  void append(const natter::MessageView& message, natter::AppendDone& done) noexcept override;
  void history(const natter::HistoryQuery& query, natter::HistoryDone& done) noexcept override;
  void stop() noexcept override;
  void use(natter::CompletionRuns& runs) noexcept override { runs_ = &runs; }
  bool load(natter::StateVisitor& each, natter::Diagnostic& error) noexcept override;
  void write(std::span<const natter::StateChange> changes, natter::StateWritten& done) noexcept override;
  void revise(const natter::Revision& revision, natter::RevisionDone& done) noexcept override;
  void marked_history(const natter::HistoryQuery& query, natter::MarkedPageDone& done) noexcept override;
  void revised_since(std::string_view room, std::uint64_t up_to, std::uint32_t limit,
                     natter::MarkedPageDone& done) noexcept override;
  void count(std::span<const natter::UnreadQuery> queries, natter::UnreadCounted& done) noexcept override;
  void append_with_ref(const natter::MessageView& message, std::string_view ref,
                       natter::AppendDone& done) noexcept override;
  bool load_refs(std::uint32_t limit, natter::RefVisitor& each, natter::Diagnostic& error) noexcept override;
  void append_with_extras(const natter::MessageView& message, std::string_view ref, std::string_view extras,
                          natter::AppendDone& done) noexcept override;
  void extras_of(std::string_view room, std::span<const std::uint64_t> ids,
                 natter::ExtrasFound& done) noexcept override;

  static std::span<const natter::ConfigKey> keys();

 private:
  // A message to append, room state changes (state_done set) or a
  // revision (revision_done set): all go through one queue so each room's
  // writes keep their order.
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
  struct UnreadRow {
    std::string room, reader;
    std::uint64_t after_id;
    std::uint32_t cap;
  };
  // One read; exactly one of the completions is set. With `marked`,
  // revised_since reads what changed up to after_id instead of a page.
  struct Read {
    std::string room;
    std::uint64_t before_id = 0, after_id = 0;
    std::uint32_t limit = 0;
    natter::HistoryDone* done = nullptr;
    natter::MarkedPageDone* marked = nullptr;
    bool revised_since = false;
    std::vector<UnreadRow> unread;
    natter::UnreadCounted* counted = nullptr;
    std::vector<std::uint64_t> extras_ids;
    natter::ExtrasFound* extras_found = nullptr;
  };

  void run();
  void commit(std::vector<Write>& batch);
  // Commits a run of room state writes; retries like commit().
  void commit_state(std::vector<Write>& batch);
  // Commits a run of revisions; retries like commit().
  void commit_revisions(std::vector<Write>& batch);
  // Queues `write`, or completes it at once with `unavailable`.
  void enqueue(Write&& write) noexcept;
  // Queues `read` about `room`, or answers it at once with `unavailable`.
  void enqueue(Read&& read, std::string_view room) noexcept;
  static void complete_one(Write& write, natter::Status status) noexcept;
  static void refuse(Read& read, natter::Status status) noexcept;
  // Runs `attempt` until it succeeds, backing off between tries; false if
  // it still failed once stop() was asked for (`why` says how).
  bool retry(const std::function<void()>& attempt, std::size_t items, std::string& why);
  // Completes every write of `batch` with `status`, as one run.
  void complete(std::vector<Write>& batch, natter::Status status);
  void answer(Read& read);

  natter::Host& host_;
  std::string path_;
  std::size_t batch_max_;
  std::size_t queue_max_;
  bool synchronous_full_;
  int busy_timeout_ms_;
  std::uint32_t retry_max_ms_;
  natter::CompletionRuns* runs_ = nullptr;  // set before start(); null with a pre-1.3 broker

  std::unique_ptr<SqliteDb> db_;  // worker thread only, once started
  // Set when commits still failed after stop(): the rest of the queue is
  // refused at once instead of each batch waiting out its own attempts.
  bool failing_at_stop_ = false;  // worker thread only
  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Write> writes_;  // guarded by mutex_
  std::deque<Read> reads_;    // guarded by mutex_
  bool accepting_ = false;    // guarded by mutex_
  bool stopping_ = false;     // guarded by mutex_

  natter::Gauge& queue_depth_;
  natter::Counter& committed_;
  natter::Counter& batches_;
  natter::Counter& write_errors_;
  natter::Histogram& commit_seconds_;
};

}  // namespace natter::sqlite
