#include "mariadb_store.hpp"

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
  bool queued = false;
  try {
    queued = shard_for(m.room).append(
        {m.id, m.ts_ms, std::string(m.room), std::string(m.sender), std::string(m.body)}, done);
  } catch (...) {
    done.appended({natter::ErrorCode::unavailable, "out of memory"});
    return;
  }
  if (!queued) done.appended({natter::ErrorCode::unavailable, "storage queue is full or stopped"});
}

void MariadbStore::history(const natter::HistoryQuery& q, natter::HistoryDone& done) noexcept {
  bool queued = false;
  try {
    queued = shard_for(q.room).read({std::string(q.room), q.before_id, q.after_id, q.limit, &done});
  } catch (...) {
    done.page({natter::ErrorCode::unavailable, "out of memory"}, {});
    return;
  }
  if (!queued) done.page({natter::ErrorCode::unavailable, "storage is stopped"}, {});
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
