#include "sqlite_store.hpp"

#include <pthread.h>

#include <chrono>
#include <filesystem>

namespace natter::sqlite {

namespace {

constexpr natter::ConfigKey kKeys[] = {
    {"path", KeyType::string, "/var/lib/natter/natter.db", "Database file; its directory is created if missing"},
    {"batch_max", KeyType::integer, "512", "Most messages committed in one transaction"},
    {"queue_max", KeyType::integer, "100000", "Messages waiting for a commit before senders get 'unavailable'"},
    {"synchronous", KeyType::string, "full",
     "\"full\": a commit survives power loss; \"normal\": it survives a crash of natterd"},
    {"busy_timeout_ms", KeyType::integer, "5000", "How long to wait for a lock held by another process"},
    {"retry_max_ms", KeyType::integer, "5000", "Longest pause between retries of a failed commit"},
};

// Attempts at a failing commit once stop() was asked for, before the
// waiting senders are told it failed.
constexpr int kAttemptsWhenStopping = 3;

std::int64_t at_least(const natter::PluginConfig& config, std::string_view key, std::int64_t low) {
  std::int64_t v = config.get_int(key);
  if (v < low) throw natter::ConfigError(config, key, "must be at least " + std::to_string(low));
  return v;
}

}  // namespace

std::span<const natter::ConfigKey> SqliteStore::keys() { return kKeys; }

SqliteStore::SqliteStore(natter::Host& host, const natter::PluginConfig& config)
    : host_(host),
      path_(config.get_string("path")),
      batch_max_(static_cast<std::size_t>(at_least(config, "batch_max", 1))),
      queue_max_(static_cast<std::size_t>(at_least(config, "queue_max", 1))),
      synchronous_full_(config.get_string("synchronous") == "full"),
      busy_timeout_ms_(static_cast<int>(at_least(config, "busy_timeout_ms", 0))),
      retry_max_ms_(static_cast<std::uint32_t>(at_least(config, "retry_max_ms", 10))),
      queue_depth_(host.gauge("queue_depth", "Messages waiting to be committed")),
      committed_(host.counter("committed_total", "Messages committed")),
      batches_(host.counter("batches_total", "Transactions committed")),
      write_errors_(host.counter("write_errors_total", "Failed commit attempts")),
      commit_seconds_(host.histogram("commit_seconds", "Time to commit one batch")) {
  if (path_.empty()) throw natter::ConfigError(config, "path", "must not be empty");
  std::string_view sync = config.get_string("synchronous");
  if (sync != "full" && sync != "normal") {
    throw natter::ConfigError(config, "synchronous", "must be \"full\" or \"normal\" (got \"" + std::string(sync) + "\")");
  }
}

SqliteStore::~SqliteStore() { stop(); }

bool SqliteStore::start(natter::Diagnostic& error) noexcept {
  try {
    const auto dir = std::filesystem::path(path_).parent_path();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) {
      error.report("cannot create directory " + dir.string() + ": " + ec.message());
      return false;
    }
    db_ = std::make_unique<SqliteDb>(path_, synchronous_full_, busy_timeout_ms_);
    {
      std::lock_guard lock(mutex_);
      accepting_ = true;
    }
    worker_ = std::thread([this] { run(); });
    pthread_setname_np(worker_.native_handle(), "sqlite-store");  // named by the time start() returns
  } catch (const std::exception& e) {
    error.report(e.what());
    return false;
  }
  host_.log(natter::LogLevel::info, "history in " + path_);
  return true;
}

void SqliteStore::append(const natter::MessageView& m, natter::AppendDone& done) noexcept {
  append_with_ref(m, {}, done);
}

void SqliteStore::append_with_ref(const natter::MessageView& m, std::string_view ref,
                                  natter::AppendDone& done) noexcept {
  append_with_extras(m, ref, {}, done);
}

void SqliteStore::append_with_extras(const natter::MessageView& m, std::string_view ref, std::string_view extras,
                                     natter::AppendDone& done) noexcept {
  Write w;
  try {
    w.row = {m.id,          m.ts_ms, std::string(m.room), std::string(m.sender), std::string(m.body), {},
             std::string(ref), std::string(extras)};
  } catch (...) {
    done.appended({natter::ErrorCode::unavailable, "out of memory"});
    return;
  }
  w.done = &done;
  enqueue(std::move(w));
}

void SqliteStore::history(const natter::HistoryQuery& q, natter::HistoryDone& done) noexcept {
  Read read;
  read.done = &done;
  read.before_id = q.before_id;
  read.after_id = q.after_id;
  read.limit = q.limit;
  enqueue(std::move(read), q.room);
}

void SqliteStore::marked_history(const natter::HistoryQuery& q, natter::MarkedPageDone& done) noexcept {
  Read read;
  read.marked = &done;
  read.before_id = q.before_id;
  read.after_id = q.after_id;
  read.limit = q.limit;
  enqueue(std::move(read), q.room);
}

void SqliteStore::extras_of(std::string_view room, std::span<const std::uint64_t> ids,
                            natter::ExtrasFound& done) noexcept {
  Read read;
  read.extras_found = &done;
  try {
    read.extras_ids.assign(ids.begin(), ids.end());
  } catch (...) {
    done.found({natter::ErrorCode::unavailable, "out of memory"}, {}, {});
    return;
  }
  enqueue(std::move(read), room);
}

void SqliteStore::revised_since(std::string_view room, std::uint64_t up_to, std::uint32_t limit,
                                natter::MarkedPageDone& done) noexcept {
  Read read;
  read.marked = &done;
  read.revised_since = true;
  read.after_id = up_to;
  read.limit = limit;
  enqueue(std::move(read), room);
}

void SqliteStore::count(std::span<const natter::UnreadQuery> queries, natter::UnreadCounted& done) noexcept {
  Read read;
  read.counted = &done;
  try {
    for (const auto& q : queries) read.unread.push_back({std::string(q.room), std::string(q.reader), q.after_id, q.cap});
  } catch (...) {
    refuse(read, {natter::ErrorCode::unavailable, "out of memory"});
    return;
  }
  enqueue(std::move(read), {});
}

void SqliteStore::revise(const natter::Revision& r, natter::RevisionDone& done) noexcept {
  Write w;
  try {
    w.revision = {std::string(r.room), std::string(r.author), std::string(r.body), r.id, r.mark};
  } catch (...) {
    done.revised({natter::ErrorCode::unavailable, "out of memory"});
    return;
  }
  w.revision_done = &done;
  enqueue(std::move(w));
}

void SqliteStore::enqueue(Write&& w) noexcept {
  std::unique_lock lock(mutex_);
  if (!accepting_ || writes_.size() >= queue_max_) {
    const bool full = accepting_;
    lock.unlock();
    complete_one(w, {natter::ErrorCode::unavailable, full ? "storage queue is full" : "storage is stopped"});
    return;
  }
  try {
    writes_.push_back(std::move(w));
  } catch (...) {
    lock.unlock();
    complete_one(w, {natter::ErrorCode::unavailable, "out of memory"});
    return;
  }
  queue_depth_.set(static_cast<std::int64_t>(writes_.size()));
  lock.unlock();
  wake_.notify_one();
}

void SqliteStore::enqueue(Read&& read, std::string_view room) noexcept {
  try {
    read.room = room;
  } catch (...) {
    refuse(read, {natter::ErrorCode::unavailable, "out of memory"});
    return;
  }
  std::unique_lock lock(mutex_);
  if (!accepting_) {
    lock.unlock();
    refuse(read, {natter::ErrorCode::unavailable, "storage is stopped"});
    return;
  }
  try {
    reads_.push_back(std::move(read));
  } catch (...) {
    lock.unlock();
    refuse(read, {natter::ErrorCode::unavailable, "out of memory"});
    return;
  }
  lock.unlock();
  wake_.notify_one();
}

void SqliteStore::complete_one(Write& w, natter::Status status) noexcept {
  switch (w.sort()) {
    case Write::Sort::message: return w.done->appended(status);
    case Write::Sort::state: return w.state_done->written(status);
    case Write::Sort::revision: return w.revision_done->revised(status);
  }
}

void SqliteStore::refuse(Read& read, natter::Status status) noexcept {
  if (read.done) read.done->page(status, {});
  if (read.marked) read.marked->page(status, {}, {});
  if (read.counted) read.counted->counted(status, {});
  if (read.extras_found) read.extras_found->found(status, {}, {});
}

void SqliteStore::run() {
  std::vector<Write> batch;
  std::deque<Read> reads;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !writes_.empty() || !reads_.empty(); });
      if (stopping_ && writes_.empty() && reads_.empty()) return;
      // A batch is a run of one sort of write: messages, room state or revisions.
      const auto sort = writes_.empty() ? Write::Sort::message : writes_.front().sort();
      while (!writes_.empty() && batch.size() < batch_max_ && writes_.front().sort() == sort) {
        batch.push_back(std::move(writes_.front()));
        writes_.pop_front();
      }
      reads.swap(reads_);
      queue_depth_.set(static_cast<std::int64_t>(writes_.size()));
    }
    if (batch.empty()) {
    } else if (batch.front().sort() == Write::Sort::state) {
      commit_state(batch);
    } else if (batch.front().sort() == Write::Sort::revision) {
      commit_revisions(batch);
    } else {
      commit(batch);
    }
    for (Read& read : reads) answer(read);
    batch.clear();
    reads.clear();
  }
}

void SqliteStore::commit(std::vector<Write>& batch) {
  std::vector<Row> rows;
  rows.reserve(batch.size());
  for (auto& w : batch) rows.push_back(std::move(w.row));
  std::string why;
  const bool ok = retry(
      [&] {
        const auto began = std::chrono::steady_clock::now();
        db_->append_batch(rows);
        commit_seconds_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
      },
      rows.size(), why);
  if (ok) {
    batches_.add(1);
    committed_.add(batch.size());
  }
  complete(batch, ok ? natter::Status{} : natter::Status{natter::ErrorCode::unavailable, why});
}

void SqliteStore::commit_state(std::vector<Write>& batch) {
  std::vector<StateRow> changes;
  for (auto& w : batch) {
    for (auto& c : w.state) changes.push_back(std::move(c));
  }
  std::string why;
  const bool ok = retry([&] { db_->apply_state(changes); }, changes.size(), why);
  complete(batch, ok ? natter::Status{} : natter::Status{natter::ErrorCode::unavailable, why});
}

void SqliteStore::commit_revisions(std::vector<Write>& batch) {
  std::vector<RevisionRow> revisions;
  for (auto& w : batch) revisions.push_back(std::move(w.revision));
  std::vector<natter::ErrorCode> outcomes;
  std::string why;
  const bool ok = retry([&] { db_->revise_batch(revisions, outcomes); }, revisions.size(), why);
  if (runs_) runs_->begin();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!ok) {
      batch[i].revision_done->revised({natter::ErrorCode::unavailable, why});
    } else if (outcomes[i] == natter::ErrorCode::not_found) {
      batch[i].revision_done->revised({outcomes[i], "no such message"});
    } else if (outcomes[i] == natter::ErrorCode::forbidden) {
      batch[i].revision_done->revised({outcomes[i], "another user sent that message"});
    } else {
      batch[i].revision_done->revised({});
    }
  }
  if (runs_) runs_->end();
}

bool SqliteStore::retry(const std::function<void()>& attempt_once, std::size_t items, std::string& why) {
  if (failing_at_stop_) {
    why = "storage failed while stopping";
    return false;
  }
  std::uint32_t pause_ms = 50;
  for (int attempt = 1;; ++attempt) {
    try {
      attempt_once();
      return true;
    } catch (const std::exception& e) {
      write_errors_.add(1);
      host_.log(natter::LogLevel::error, "commit of " + std::to_string(items) + " writes failed (attempt " +
                                             std::to_string(attempt) + "), retrying: " + e.what());
      std::unique_lock lock(mutex_);
      if (stopping_ && attempt >= kAttemptsWhenStopping) {
        failing_at_stop_ = true;
        why = std::string("storage failed while stopping: ") + e.what();
        return false;
      }
      // Back off, but wake at once if stop() is called.
      wake_.wait_for(lock, std::chrono::milliseconds(pause_ms), [this] { return stopping_; });
      pause_ms = std::min(pause_ms * 2, retry_max_ms_);
    }
  }
}

void SqliteStore::complete(std::vector<Write>& batch, natter::Status status) {
  if (runs_) runs_->begin();
  for (auto& w : batch) complete_one(w, status);
  if (runs_) runs_->end();
}

bool SqliteStore::load(natter::StateVisitor& each, natter::Diagnostic& error) noexcept {
  try {
    // A connection of its own: the worker's belongs to the worker thread.
    SqliteDb reader(path_, synchronous_full_, busy_timeout_ms_);
    reader.load_state([&](const natter::StateEntry& entry) { each.entry(entry); });
    return true;
  } catch (const std::exception& e) {
    error.report(e.what());
    return false;
  }
}

bool SqliteStore::load_refs(std::uint32_t limit, natter::RefVisitor& each, natter::Diagnostic& error) noexcept {
  try {
    SqliteDb reader(path_, synchronous_full_, busy_timeout_ms_);
    reader.load_refs(limit, [&](const natter::StoredRef& ref) { each.stored(ref); });
    return true;
  } catch (const std::exception& e) {
    error.report(e.what());
    return false;
  }
}

void SqliteStore::write(std::span<const natter::StateChange> changes, natter::StateWritten& done) noexcept {
  Write w;
  try {
    for (const auto& c : changes) w.state.push_back({c.op, std::string(c.room), std::string(c.key), std::string(c.value)});
  } catch (...) {
    done.written({natter::ErrorCode::unavailable, "out of memory"});
    return;
  }
  w.state_done = &done;
  enqueue(std::move(w));
}

void SqliteStore::answer(Read& read) {
  try {
    if (read.counted) {
      std::vector<std::uint32_t> counts;
      for (const auto& q : read.unread) counts.push_back(db_->count_unread(q.room, q.after_id, q.reader, q.cap));
      read.counted->counted({}, counts);
      return;
    }
    if (read.extras_found) {
      const auto found = db_->extras_of(read.room, read.extras_ids);
      std::vector<std::uint64_t> ids;
      std::vector<std::string_view> extras;
      for (const auto& [id, text] : found) {
        ids.push_back(id);
        extras.push_back(text);
      }
      read.extras_found->found({}, ids, extras);
      return;
    }
    auto rows = read.revised_since ? db_->revised_since(read.room, read.after_id, read.limit)
                                   : db_->page(read.room, read.before_id, read.after_id, read.limit);
    std::vector<natter::MessageView> views;
    std::vector<natter::MessageMark> marks;
    views.reserve(rows.size());
    marks.reserve(rows.size());
    for (const auto& r : rows) {
      views.push_back(r.view());
      marks.push_back(r.mark);
    }
    if (read.marked) {
      read.marked->page({}, views, marks);
    } else {
      read.done->page({}, views);
    }
  } catch (const std::exception& e) {
    refuse(read, {natter::ErrorCode::unavailable, e.what()});
  }
}

void SqliteStore::stop() noexcept {
  {
    std::lock_guard lock(mutex_);
    accepting_ = false;
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
  db_.reset();
}

}  // namespace natter::sqlite
