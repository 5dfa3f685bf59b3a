#include "mariadb_shard.hpp"

#include <pthread.h>

#include <chrono>
#include <random>

namespace natter::mariadb {

namespace {

// Once stop() was asked for, a batch the server keeps refusing is given up
// after this many attempts; its senders hear `unavailable`.
constexpr int kAttemptsWhenStopping = 3;
// A batch the server rejects for its content (not the connection) is
// retried this often before its senders hear why.
constexpr int kAttemptsOnDataError = 3;

}  // namespace

StoreMetrics::StoreMetrics(natter::Host& host)
    : queue_depth(host.gauge("queue_depth", "Messages waiting to be committed, all shards")),
      committed(host.counter("committed_total", "Messages committed")),
      batches(host.counter("batches_total", "Transactions committed")),
      write_errors(host.counter("write_errors_total", "Failed commit attempts")),
      reconnects(host.counter("reconnects_total", "Connections re-established after a failure")),
      commit_seconds(host.histogram("commit_seconds", "Time to commit one batch")) {}

void StoreMetrics::queued(std::int64_t delta) { queue_depth.set(depth.fetch_add(delta) + delta); }

Shard::Shard(ServerAddress server, const MariadbSettings& settings, natter::Host& host, StoreMetrics& metrics)
    : server_(std::move(server)), settings_(settings), host_(host), metrics_(metrics) {}

Shard::~Shard() { stop(); }

void Shard::start() {
  writer_connection_ = std::make_unique<Connection>(server_, settings_);
  writer_connection_->migrate();
  {
    std::lock_guard lock(mutex_);
    accepting_ = true;
  }
  // Threads are named here, not by themselves, so they carry their
  // names once start() returns.
  writer_ = std::thread([this] { write_loop(); });
  pthread_setname_np(writer_.native_handle(), "mariadb-write");
  for (unsigned i = 0; i < settings_.readers; ++i) {
    readers_.emplace_back([this] { read_loop(); });
    pthread_setname_np(readers_.back().native_handle(), "mariadb-read");
  }
}

bool Shard::enqueue(Write write) {
  {
    std::lock_guard lock(mutex_);
    if (!accepting_ || writes_.size() >= settings_.queue_max) return false;
    writes_.push_back(std::move(write));
  }
  metrics_.queued(1);
  wake_writer_.notify_one();
  return true;
}

bool Shard::append(Row row, natter::AppendDone& done) {
  Write w;
  w.row = std::move(row);
  w.done = &done;
  return enqueue(std::move(w));
}

bool Shard::write_state(std::vector<StateRow> changes, natter::StateWritten& done) {
  Write w;
  w.state = std::move(changes);
  w.state_done = &done;
  return enqueue(std::move(w));
}

bool Shard::revise(RevisionRow revision, natter::RevisionDone& done) {
  Write w;
  w.revision = std::move(revision);
  w.revision_done = &done;
  return enqueue(std::move(w));
}

void Shard::load_state(const std::function<void(const natter::StateEntry&)>& each) {
  Connection(server_, settings_).load_state(each);
}

void Shard::load_refs(std::uint32_t limit, const std::function<void(const natter::StoredRef&)>& each) {
  Connection(server_, settings_).load_refs(limit, each);
}

bool Shard::read(HistoryRead read) {
  {
    std::lock_guard lock(mutex_);
    if (!accepting_) return false;
    reads_.push_back(std::move(read));
  }
  wake_readers_.notify_one();
  return true;
}

void Shard::write_loop() {
  std::vector<Write> batch;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_writer_.wait(lock, [this] { return stopping_ || !writes_.empty(); });
      if (writes_.empty()) return;  // stopping, and nothing left
      // A batch is a run of one sort of write: messages, room state or revisions.
      const auto sort = writes_.front().sort();
      while (!writes_.empty() && batch.size() < settings_.batch_max && writes_.front().sort() == sort) {
        batch.push_back(std::move(writes_.front()));
        writes_.pop_front();
      }
    }
    metrics_.queued(-static_cast<std::int64_t>(batch.size()));
    commit(batch);
    batch.clear();
  }
}

void Shard::commit(std::vector<Write>& batch) {
  std::vector<Row> rows;
  std::vector<StateRow> changes;
  std::vector<RevisionRow> revisions;
  std::vector<natter::ErrorCode> outcomes;
  const auto sort = batch.front().sort();
  for (auto& w : batch) {
    if (sort == Write::Sort::state) {
      for (auto& c : w.state) changes.push_back(std::move(c));
    } else if (sort == Write::Sort::revision) {
      revisions.push_back(std::move(w.revision));
    } else {
      rows.push_back(std::move(w.row));
    }
  }
  auto fail_all = [&](const std::string& why) { complete(batch, {natter::ErrorCode::unavailable, why}); };
  if (unreachable_at_stop_) {
    fail_all("storage unreachable while stopping");
    return;
  }
  std::uint32_t pause_ms = 50;
  int data_errors = 0;
  for (int attempt = 1;; ++attempt) {
    try {
      if (!writer_connection_) {
        writer_connection_ = std::make_unique<Connection>(server_, settings_);
        metrics_.reconnects.add(1);
        host_.log(natter::LogLevel::info, "reconnected to " + server_.label());
      }
      const auto began = std::chrono::steady_clock::now();
      if (sort == Write::Sort::state) {
        writer_connection_->apply_state(changes);
      } else if (sort == Write::Sort::revision) {
        writer_connection_->revise(revisions, outcomes);
      } else {
        writer_connection_->insert(rows);
      }
      metrics_.commit_seconds.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
      metrics_.batches.add(1);
      metrics_.committed.add(rows.size());
      if (sort == Write::Sort::revision) {
        complete_revisions(batch, outcomes);
      } else {
        complete(batch, {});
      }
      return;
    } catch (const DbError& e) {
      metrics_.write_errors.add(1);
      if (e.connection_lost()) {
        writer_connection_.reset();
      } else if (++data_errors >= kAttemptsOnDataError) {
        host_.log(natter::LogLevel::error, "giving up on a batch of " + std::to_string(rows.size()) + ": " + e.what());
        fail_all(std::string("storage refused the message: ") + e.what());
        return;
      }
      // One line per outage and then one in ten, not one per attempt.
      if (attempt == 1 || attempt % 10 == 0) {
        host_.log(natter::LogLevel::warn, "commit of " + std::to_string(rows.size()) + " messages failed (attempt " +
                                              std::to_string(attempt) + "), retrying: " + e.what());
      }
      {
        std::lock_guard lock(mutex_);
        if (stopping_ && attempt >= kAttemptsWhenStopping) {
          unreachable_at_stop_ = e.connection_lost();
          fail_all(std::string("storage unreachable while stopping: ") + e.what());
          return;
        }
      }
      back_off(pause_ms);
      pause_ms = std::min(pause_ms * 2, settings_.retry_max_ms);
    }
  }
}

void Shard::complete(std::vector<Write>& batch, natter::Status status) {
  if (runs_) runs_->begin();
  for (auto& w : batch) {
    switch (w.sort()) {
      case Write::Sort::message: w.done->appended(status); break;
      case Write::Sort::state: w.state_done->written(status); break;
      case Write::Sort::revision: w.revision_done->revised(status); break;
    }
  }
  if (runs_) runs_->end();
}

void Shard::complete_revisions(std::vector<Write>& batch, const std::vector<natter::ErrorCode>& outcomes) {
  if (runs_) runs_->begin();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    switch (outcomes[i]) {
      case natter::ErrorCode::not_found: batch[i].revision_done->revised({outcomes[i], "no such message"}); break;
      case natter::ErrorCode::forbidden:
        batch[i].revision_done->revised({outcomes[i], "another user sent that message"});
        break;
      default: batch[i].revision_done->revised({}); break;
    }
  }
  if (runs_) runs_->end();
}

bool Shard::back_off(std::uint32_t pause_ms) {
  thread_local std::minstd_rand random{std::random_device{}()};
  std::uniform_int_distribution<std::uint32_t> jitter(pause_ms / 2, pause_ms);
  std::unique_lock lock(mutex_);
  return !stopped_.wait_for(lock, std::chrono::milliseconds(jitter(random)), [this] { return stopping_; });
}

void Shard::read_loop() {
  std::unique_ptr<Connection> connection;
  while (true) {
    HistoryRead read;
    {
      std::unique_lock lock(mutex_);
      wake_readers_.wait(lock, [this] { return stopping_ || !reads_.empty(); });
      if (reads_.empty()) return;
      read = std::move(reads_.front());
      reads_.pop_front();
    }
    std::string error;
    // A pooled connection may have been closed by the server while idle:
    // one fresh attempt before reporting failure.
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        if (!connection) connection = std::make_unique<Connection>(server_, settings_);
        answer(*connection, read);
        error.clear();
        break;
      } catch (const DbError& e) {
        error = e.what();
        if (!e.connection_lost()) break;
        connection.reset();
      }
    }
    if (!error.empty()) read.refuse({natter::ErrorCode::unavailable, error});
  }
}

void Shard::answer(Connection& connection, const HistoryRead& read) {
  if (read.counted) {
    read.counted({}, connection.count_unread(read.room, read.after_id, read.reader, read.limit));
    return;
  }
  if (read.extras_found) {
    const auto found = connection.extras_of(read.room, read.extras_ids);
    std::vector<std::uint64_t> ids;
    std::vector<std::string_view> extras;
    for (const auto& [id, text] : found) {
      ids.push_back(id);
      extras.push_back(text);
    }
    read.extras_found->found({}, ids, extras);
    return;
  }
  const std::vector<Row> rows = read.revised_since
                                    ? connection.revised_since(read.room, read.after_id, read.limit)
                                    : connection.page(read.room, read.before_id, read.after_id, read.limit);
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
}

void HistoryRead::refuse(natter::Status status) const noexcept {
  if (done) done->page(status, {});
  if (marked) marked->page(status, {}, {});
  if (counted) counted(status, 0);
  if (extras_found) extras_found->found(status, {}, {});
}

void Shard::stop() {
  {
    std::lock_guard lock(mutex_);
    accepting_ = false;
    stopping_ = true;
  }
  wake_writer_.notify_all();
  wake_readers_.notify_all();
  stopped_.notify_all();
  if (writer_.joinable()) writer_.join();
  for (auto& r : readers_) {
    if (r.joinable()) r.join();
  }
  readers_.clear();
  writer_connection_.reset();
}

}  // namespace natter::mariadb
