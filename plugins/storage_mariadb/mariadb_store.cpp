#include "mariadb_store.hpp"

#include <algorithm>
#include <atomic>

namespace natter::mariadb {

namespace {

std::vector<std::string> shard_names(const MariadbSettings& s) {
  std::vector<std::string> names;
  for (const auto& server : s.shards) names.push_back(server.label());
  return names;
}

}  // namespace

MariadbStore::MariadbStore(natter::Host& host, const natter::PluginConfig& config)
    : host_(host), settings_(read_mariadb_settings(config)), metrics_(host), ring_(shard_names(settings_)) {
  for (const auto& server : settings_.shards) {
    shards_.push_back(std::make_unique<Shard>(server, settings_, host_, metrics_));
  }
}

MariadbStore::~MariadbStore() { stop(); }

bool MariadbStore::start(natter::Diagnostic& error) noexcept {
  try {
    for (auto& shard : shards_) shard->start();
  } catch (const std::exception& e) {
    error.report(e.what());
    for (auto& shard : shards_) shard->stop();
    return false;
  }
  std::string where;
  for (const auto& shard : shards_) where += (where.empty() ? "" : ", ") + shard->server().label();
  host_.log(natter::LogLevel::info, "history in MariaDB at " + where);
  return true;
}

void MariadbStore::use(natter::CompletionRuns& runs) noexcept {
  for (auto& shard : shards_) shard->use(runs);
}

Shard& MariadbStore::shard_for(std::string_view room) { return *shards_[ring_.shard_of(room)]; }

void MariadbStore::append(const natter::MessageView& m, natter::AppendDone& done) noexcept {
  append_with_ref(m, {}, done);
}

void MariadbStore::append_with_ref(const natter::MessageView& m, std::string_view ref,
                                   natter::AppendDone& done) noexcept {
  append_with_extras(m, ref, {}, done);
}

void MariadbStore::extras_of(std::string_view room, std::span<const std::uint64_t> ids,
                             natter::ExtrasFound& done) noexcept {
  HistoryRead r;
  r.extras_found = &done;
  try {
    r.extras_ids.assign(ids.begin(), ids.end());
  } catch (...) {
    done.found({natter::ErrorCode::unavailable, "out of memory"}, {}, {});
    return;
  }
  read(std::move(r), room);
}

void MariadbStore::append_with_extras(const natter::MessageView& m, std::string_view ref, std::string_view extras,
                                      natter::AppendDone& done) noexcept {
  bool queued = false;
  try {
    queued = shard_for(m.room).append({m.id, m.ts_ms, std::string(m.room), std::string(m.sender), std::string(m.body),
                                       {}, std::string(ref), std::string(extras)},
                                      done);
  } catch (...) {
    done.appended({natter::ErrorCode::unavailable, "out of memory"});
    return;
  }
  if (!queued) done.appended({natter::ErrorCode::unavailable, "storage queue is full or stopped"});
}

bool MariadbStore::load_refs(std::uint32_t limit, natter::RefVisitor& each, natter::Diagnostic& error) noexcept {
  try {
    struct Owned {
      std::string sender, ref, room;
      std::uint64_t id;
      std::int64_t ts_ms;
    };
    std::vector<Owned> newest;
    for (auto& shard : shards_) {
      shard->load_refs(limit, [&](const natter::StoredRef& r) {
        newest.push_back({std::string(r.sender), std::string(r.ref), std::string(r.room), r.id, r.ts_ms});
      });
    }
    std::sort(newest.begin(), newest.end(), [](const Owned& a, const Owned& b) { return a.id > b.id; });
    if (newest.size() > limit) newest.resize(limit);
    for (const Owned& r : newest) each.stored({r.sender, r.ref, r.room, r.id, r.ts_ms});
    return true;
  } catch (const std::exception& e) {
    error.report(e.what());
    return false;
  }
}

void MariadbStore::read(HistoryRead read, std::string_view room) noexcept {
  bool queued = false;
  try {
    read.room = room;
    queued = shard_for(read.room).read(read);
  } catch (...) {
    read.refuse({natter::ErrorCode::unavailable, "out of memory"});
    return;
  }
  if (!queued) read.refuse({natter::ErrorCode::unavailable, "storage is stopped"});
}

void MariadbStore::history(const natter::HistoryQuery& q, natter::HistoryDone& done) noexcept {
  HistoryRead r;
  r.done = &done;
  r.before_id = q.before_id;
  r.after_id = q.after_id;
  r.limit = q.limit;
  read(std::move(r), q.room);
}

void MariadbStore::marked_history(const natter::HistoryQuery& q, natter::MarkedPageDone& done) noexcept {
  HistoryRead r;
  r.marked = &done;
  r.before_id = q.before_id;
  r.after_id = q.after_id;
  r.limit = q.limit;
  read(std::move(r), q.room);
}

void MariadbStore::revised_since(std::string_view room, std::uint64_t up_to, std::uint32_t limit,
                                 natter::MarkedPageDone& done) noexcept {
  HistoryRead r;
  r.marked = &done;
  r.revised_since = true;
  r.after_id = up_to;
  r.limit = limit;
  read(std::move(r), room);
}

namespace {

// Gathers the counts of one count() call from the shards' readers; the
// last answer completes the caller and frees it.
struct UnreadGather {
  explicit UnreadGather(std::size_t queries, natter::UnreadCounted& done)
      : counts(queries, 0), remaining(queries), done(done) {}
  void answered(std::size_t index, natter::Status status, std::uint32_t count) {
    if (status.ok()) {
      counts[index] = count;
    } else {
      std::lock_guard lock(failure_mutex);
      if (failure.empty()) failure = std::string(status.detail);
      failed = true;
    }
    if (remaining.fetch_sub(1) != 1) return;
    if (failed) {
      done.counted({natter::ErrorCode::unavailable, failure}, {});
    } else {
      done.counted({}, counts);
    }
    delete this;
  }

  std::vector<std::uint32_t> counts;  // each written by one reader, read by the last
  std::atomic<std::size_t> remaining;
  std::atomic<bool> failed{false};
  std::mutex failure_mutex;
  std::string failure;
  natter::UnreadCounted& done;
};

}  // namespace

void MariadbStore::count(std::span<const natter::UnreadQuery> queries, natter::UnreadCounted& done) noexcept {
  if (queries.empty()) {
    done.counted({}, {});
    return;
  }
  UnreadGather* gather = nullptr;
  try {
    gather = new UnreadGather(queries.size(), done);
  } catch (...) {
    done.counted({natter::ErrorCode::unavailable, "out of memory"}, {});
    return;
  }
  for (std::size_t i = 0; i < queries.size(); ++i) {
    HistoryRead r;
    try {
      r.reader = queries[i].reader;
      r.counted = [gather, i](natter::Status status, std::uint32_t count) { gather->answered(i, status, count); };
    } catch (...) {
      gather->answered(i, {natter::ErrorCode::unavailable, "out of memory"}, 0);
      continue;
    }
    r.after_id = queries[i].after_id;
    r.limit = queries[i].cap;
    read(std::move(r), queries[i].room);
  }
}

void MariadbStore::revise(const natter::Revision& rev, natter::RevisionDone& done) noexcept {
  bool queued = false;
  try {
    queued = shard_for(rev.room).revise(
        {std::string(rev.room), std::string(rev.author), std::string(rev.body), rev.id, rev.mark}, done);
  } catch (...) {
    done.revised({natter::ErrorCode::unavailable, "out of memory"});
    return;
  }
  if (!queued) done.revised({natter::ErrorCode::unavailable, "storage queue is full or stopped"});
}

bool MariadbStore::load(natter::StateVisitor& each, natter::Diagnostic& error) noexcept {
  try {
    for (auto& shard : shards_) shard->load_state([&](const natter::StateEntry& entry) { each.entry(entry); });
    return true;
  } catch (const std::exception& e) {
    error.report(e.what());
    return false;
  }
}

void MariadbStore::write(std::span<const natter::StateChange> changes, natter::StateWritten& done) noexcept {
  if (changes.empty()) {
    done.written({});
    return;
  }
  bool queued = false;
  try {
    std::vector<StateRow> rows;
    for (const auto& c : changes) rows.push_back({c.op, std::string(c.room), std::string(c.key), std::string(c.value)});
    queued = shard_for(changes.front().room).write_state(std::move(rows), done);
  } catch (...) {
    done.written({natter::ErrorCode::unavailable, "out of memory"});
    return;
  }
  if (!queued) done.written({natter::ErrorCode::unavailable, "storage queue is full or stopped"});
}

void MariadbStore::stop() noexcept {
  for (auto& shard : shards_) shard->stop();
}

}  // namespace natter::mariadb
