// The SQLite plugin loaded exactly as natterd loads it (its .so, through
// the broker's loader, with a validated config table), driven through the
// SDK's Storage interface.

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include <natter/plugin.hpp>

#include "config/config_table.hpp"
#include "plugins/plugin_host.hpp"
#include "plugins/plugin_loader.hpp"

namespace {

namespace fs = std::filesystem;

struct Appended final : natter::AppendDone {
  std::atomic<int> ok{0}, failed{0};
  std::string last_error;
  void appended(natter::Status s) noexcept override {
    if (s.ok()) {
      ++ok;
    } else {
      last_error = s.detail;
      ++failed;
    }
  }
};

struct Page final : natter::HistoryDone {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::vector<std::uint64_t> ids;
  std::vector<std::string> bodies;
  void page(natter::Status, std::span<const natter::MessageView> p) noexcept override {
    std::lock_guard l(m);
    for (const auto& v : p) {
      ids.push_back(v.id);
      bodies.emplace_back(v.body);
    }
    done = true;
    cv.notify_all();
  }
  void wait() {
    std::unique_lock l(m);
    cv.wait(l, [this] { return done; });
  }
};

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("natter-sqlite-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    natter::plugins::PluginLoader loader({NATTER_PLUGIN_DIR});
    library_ = loader.load(loader.locate(natter::PluginKind::storage, "sqlite"), natter::PluginKind::storage);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A fresh instance on the same database file; `path` under a new dir.
  natter::Storage& open() {
    close();
    std::istringstream text("path = \"" + (dir_ / "sub" / "h.db").string() + "\"\nsynchronous = \"normal\"\n");
    auto doc = toml::parse(text, "natter.toml");
    std::vector<std::string> problems;
    table_ = std::make_unique<natter::config::ConfigTable>(natter::config::ConfigTable::validate(
        &doc, "storage", "sqlite", {library_.descriptor->keys, library_.descriptor->key_count}, {}, problems));
    EXPECT_TRUE(problems.empty());
    struct Why final : natter::Diagnostic {
      void report(std::string_view m) noexcept override { text = m; }
      std::string text;
    } why;
    instance_ = library_.descriptor->create(&host_, table_.get(), &why);
    EXPECT_NE(instance_, nullptr) << why.text;
    auto& store = *static_cast<natter::Storage*>(instance_);
    EXPECT_TRUE(store.start(why)) << why.text;
    return store;
  }

  void close() {
    if (!instance_) return;
    instance_->stop();
    library_.descriptor->destroy(instance_);
    instance_ = nullptr;
  }

  ~SqliteStoreTest() override { close(); }

  fs::path dir_;
  natter::plugins::LoadedLibrary library_;
  natter::runtime::MetricsRegistry metrics_;
  natter::plugins::PluginHost host_{"sqlite", 1, metrics_};
  std::unique_ptr<natter::config::ConfigTable> table_;
  natter::Plugin* instance_ = nullptr;
};

TEST_F(SqliteStoreTest, EveryAppendIsCommittedByStopAndSurvivesReopening) {
  auto& store = open();
  Appended done;
  for (std::uint64_t id = 1; id <= 2000; ++id) {
    std::string body = "message " + std::to_string(id);
    store.append({id, 1000 + static_cast<std::int64_t>(id), "r", "ann", body}, done);
  }
  close();  // stop() must commit everything queued
  EXPECT_EQ(done.ok.load(), 2000);
  EXPECT_EQ(done.failed.load(), 0);

  auto& again = open();
  Page newest;
  again.history({"r", 0, 0, 3}, newest);
  newest.wait();
  EXPECT_EQ(newest.ids, (std::vector<std::uint64_t>{1998, 1999, 2000}));
  EXPECT_EQ(newest.bodies.back(), "message 2000");
}

TEST_F(SqliteStoreTest, PagesAreBoundedByIdsOnBothSidesAndPerRoom) {
  auto& store = open();
  Appended done;
  for (std::uint64_t id = 1; id <= 10; ++id) store.append({id, 0, id % 2 ? "odd" : "even", "u", "b"}, done);
  Page before, after;
  store.history({"odd", 7, 0, 2}, before);
  store.history({"odd", 0, 3, 2}, after);
  before.wait();
  after.wait();
  EXPECT_EQ(before.ids, (std::vector<std::uint64_t>{3, 5}));
  EXPECT_EQ(after.ids, (std::vector<std::uint64_t>{5, 7}));
}

TEST_F(SqliteStoreTest, AppendingAStoredIdAgainIsHarmless) {
  auto& store = open();
  Appended done;
  store.append({5, 0, "r", "u", "first"}, done);
  store.append({5, 0, "r", "u", "replayed"}, done);
  Page page;
  store.history({"r", 0, 0, 10}, page);
  page.wait();
  EXPECT_EQ(done.ok.load(), 2);
  EXPECT_EQ(page.bodies, (std::vector<std::string>{"first"}));
}

TEST_F(SqliteStoreTest, AfterStopAppendsAreRefusedAtOnceNotLost) {
  auto& store = open();
  store.stop();
  Appended done;
  store.append({1, 0, "r", "u", "late"}, done);
  EXPECT_EQ(done.failed.load(), 1);  // inline, before append() returned
  EXPECT_EQ(done.last_error, "storage is stopped");
}

}  // namespace
