#pragma once
// What the storage conformance cases share: a fixture that opens the
// plugin under test, and completions that wait for its answers. Internal
// to the kit's sources; not installed.

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <mutex>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage_suite.hpp"

namespace natter::conformance {

// The factory set_storage_under_test() installed.
std::function<std::unique_ptr<StorageUnderTest>()>& storage_factory();

using namespace std::chrono_literals;

// Waits for every completion it handed out.
class Completions {
 public:
  class Append final : public natter::AppendDone {
   public:
    explicit Append(Completions& owner) : owner_(owner) {}
    void appended(natter::Status status) noexcept override { owner_.done(status); }

   private:
    Completions& owner_;
  };

  natter::AppendDone& next() {
    std::lock_guard lock(mutex_);
    ++expected_;
    appends_.push_back(std::make_unique<Append>(*this));
    return *appends_.back();
  }

  // True once every handed-out completion was called; false on timeout.
  bool wait(std::chrono::seconds limit = 60s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [this] { return finished_ == expected_; });
  }
  int failures() {
    std::lock_guard lock(mutex_);
    return failed_;
  }
  std::string last_error() {
    std::lock_guard lock(mutex_);
    return last_error_;
  }

 private:
  void done(natter::Status status) {
    std::lock_guard lock(mutex_);
    ++finished_;
    if (!status.ok()) {
      ++failed_;
      last_error_ = status.detail;
    }
    cv_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Append>> appends_;
  int expected_ = 0, finished_ = 0, failed_ = 0;
  std::string last_error_;
};

struct Stored {
  std::uint64_t id;
  std::int64_t ts_ms;
  std::string room, sender, body;
  bool operator==(const Stored&) const = default;
};

class PageReader final : public natter::HistoryDone {
 public:
  void page(natter::Status status, std::span<const natter::MessageView> page) noexcept override {
    std::lock_guard lock(mutex_);
    status_ok_ = status.ok();
    error_ = status.detail;
    for (const auto& m : page) {
      rows_.push_back({m.id, m.ts_ms, std::string(m.room), std::string(m.sender), std::string(m.body)});
    }
    done_ = true;
    cv_.notify_all();
  }
  std::vector<Stored> wait() {
    std::unique_lock lock(mutex_);
    EXPECT_TRUE(cv_.wait_for(lock, 60s, [this] { return done_; })) << "history never completed";
    EXPECT_TRUE(status_ok_) << error_;
    return rows_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false, status_ok_ = false;
  std::string error_;
  std::vector<Stored> rows_;
};

class StorageConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(storage_factory()) << "no storage under test: call set_storage_under_test()";
    store_ = storage_factory()();
    // Ids and rooms of this run only, so the suite can rerun on one store.
    std::random_device random;
    run_ = std::to_string(random()) + std::to_string(random());
    next_id_ = (static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch() / 1us) << 10) |
               (random() & 0x3ff);
    next_id_ &= (1ull << 62) - 1;
  }
  void TearDown() override { store_->close(); }

  std::string room(const std::string& name) { return "conformance-" + run_ + "-" + name; }
  std::uint64_t new_id() { return next_id_ += 1 + (next_id_ % 3); }

  Stored message(const std::string& room_name, const std::string& body) {
    const std::uint64_t id = new_id();
    return {id, 1795000000000 + static_cast<std::int64_t>(id % 1000000), room_name, "tester", body};
  }

  void append_all(natter::Storage& s, const std::vector<Stored>& messages) {
    Completions done;
    for (const auto& m : messages) s.append({m.id, m.ts_ms, m.room, m.sender, m.body}, done.next());
    ASSERT_TRUE(done.wait()) << "appends never completed";
    ASSERT_EQ(done.failures(), 0) << done.last_error();
  }

  std::vector<Stored> page(natter::Storage& s, const std::string& r, std::uint64_t before,
                           std::uint64_t after, std::uint32_t limit) {
    PageReader reader;
    s.history({r, before, after, limit}, reader);
    return reader.wait();
  }

  static std::vector<std::uint64_t> ids(const std::vector<Stored>& rows) {
    std::vector<std::uint64_t> out;
    for (const auto& r : rows) out.push_back(r.id);
    return out;
  }

  std::unique_ptr<StorageUnderTest> store_;
  std::string run_;
  std::uint64_t next_id_ = 0;
};

}  // namespace natter::conformance
