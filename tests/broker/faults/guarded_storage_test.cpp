// GuardedStorage through its FaultGuard, against a storage the test answers
// by hand: a read's deadline answers the caller once and drops the plugin's
// late answer, while a late write is counted but waits for the plugin; a
// failed read is asked again, a failed write never; an open breaker answers
// at once without the plugin; failing open, a read the plugin cannot answer
// is an empty page.

#include "faults/guarded_storage.hpp"

#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace natter::faults {
namespace {

using namespace std::chrono_literals;

// Answers nothing by itself unless told to: the test holds the completions.
class HandStorage final : public natter::Storage {
 public:
  bool start(natter::Diagnostic&) noexcept override { return true; }
  void stop() noexcept override {}
  void append(const natter::MessageView&, natter::AppendDone& done) noexcept override {
    ++appends;
    if (fail_appends) {
      done.appended({natter::ErrorCode::unavailable, "disk gone"});
      return;
    }
    std::lock_guard lock(mutex);
    held_appends.push_back(&done);
  }
  void history(const natter::HistoryQuery& query, natter::HistoryDone& done) noexcept override {
    const int call = ++reads;
    EXPECT_EQ(query.room, "lobby");  // a retry asks for the same page
    if (call <= failed_reads) {
      done.page({natter::ErrorCode::unavailable, "busy"}, {});
    } else if (!answer_reads) {
      std::lock_guard lock(mutex);
      held_reads.push_back(&done);
    } else {
      const natter::MessageView message{7, 1, "lobby", "ann", "hi"};
      done.page({}, {&message, 1});
    }
  }

  std::atomic<int> appends{0}, reads{0};
  int failed_reads = 0;
  bool answer_reads = true, fail_appends = false;
  std::mutex mutex;
  std::vector<natter::AppendDone*> held_appends;
  std::vector<natter::HistoryDone*> held_reads;
};

class Appended final : public natter::AppendDone {
 public:
  void appended(natter::Status status) noexcept override {
    ++calls;
    if (calls == 1) outcome.set_value({status.code, std::string(status.detail)});
  }
  std::atomic<int> calls{0};
  std::promise<std::pair<natter::ErrorCode, std::string>> outcome;
};

class Paged final : public natter::HistoryDone {
 public:
  void page(natter::Status status, std::span<const natter::MessageView> page) noexcept override {
    if (++calls == 1) outcome.set_value({status.code, page.size()});
  }
  std::atomic<int> calls{0};
  std::promise<std::pair<natter::ErrorCode, std::size_t>> outcome;
};

class GuardedStorageTest : public ::testing::Test {
 protected:
  void make(config::FaultPolicy policy) {
    guard = std::make_unique<FaultGuard>("storage", "hand", "storage", policy, timers, metrics);
    storage = std::make_unique<GuardedStorage>(
        GuardedStorage::Parts{plugin, nullptr, nullptr, nullptr, nullptr, nullptr}, *guard);
  }
  // Asks for a page of "lobby"; its (code, size) once answered.
  std::pair<natter::ErrorCode, std::size_t> read_page(Paged& paged) {
    natter::HistoryQuery query;
    query.room = "lobby";
    storage->history(query, paged);
    auto page = paged.outcome.get_future();
    EXPECT_EQ(page.wait_for(5s), std::future_status::ready);
    return page.get();
  }
  std::uint64_t counter(const std::string& name) {
    return metrics.counter(name, "", {{"kind", "storage"}, {"plugin", "hand"}, {"section", "storage"}}).value();
  }

  runtime::Executor loop;
  runtime::MetricsRegistry metrics;
  HandStorage plugin;
  std::unique_ptr<FaultGuard> guard;
  std::unique_ptr<GuardedStorage> storage;
  runtime::Timers timers{loop};  // stops before the guard it sweeps for goes
};

TEST_F(GuardedStorageTest, AReadsDeadlineAnswersOnceAndTheLateAnswerIsDropped) {
  config::FaultPolicy policy;
  policy.deadline_ms = 50;
  make(policy);
  plugin.answer_reads = false;
  Paged paged;
  EXPECT_EQ(read_page(paged).first, natter::ErrorCode::unavailable);
  ASSERT_EQ(plugin.held_reads.size(), 1u);
  plugin.held_reads[0]->page({}, {});  // the plugin, late
  loop.barrier();
  EXPECT_EQ(paged.calls, 1);
  EXPECT_EQ(counter("natter_plugin_call_timeouts_total"), 1u);
}

TEST_F(GuardedStorageTest, ALateWriteCountsButWaitsForThePluginsAnswer) {
  config::FaultPolicy policy;
  policy.deadline_ms = 50;
  make(policy);
  Appended done;
  storage->append({1, 1, "lobby", "ann", "hi"}, done);
  for (int i = 0; i < 500 && counter("natter_plugin_call_timeouts_total") == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(counter("natter_plugin_call_timeouts_total"), 1u);
  EXPECT_EQ(done.calls, 0);  // still the plugin's to answer: it may yet commit
  ASSERT_EQ(plugin.held_appends.size(), 1u);
  plugin.held_appends[0]->appended({});
  const auto [code, detail] = done.outcome.get_future().get();
  EXPECT_EQ(code, natter::ErrorCode::none);
  EXPECT_EQ(done.calls, 1);
}

TEST_F(GuardedStorageTest, AFailedReadIsAskedAgainAndAFailedWriteIsNot) {
  config::FaultPolicy policy;
  policy.retries = 2;
  policy.backoff_ms = 5;
  make(policy);
  plugin.failed_reads = 2;
  Paged paged;
  EXPECT_EQ(read_page(paged), std::make_pair(natter::ErrorCode::none, std::size_t{1}));
  EXPECT_EQ(plugin.reads, 3);
  EXPECT_EQ(counter("natter_plugin_call_retries_total"), 2u);

  plugin.fail_appends = true;
  Appended done;
  storage->append({1, 1, "lobby", "ann", "hi"}, done);
  EXPECT_EQ(done.outcome.get_future().get().second, "disk gone");
  EXPECT_EQ(plugin.appends, 1);
  EXPECT_EQ(counter("natter_plugin_call_failures_total"), 1u);
}

TEST_F(GuardedStorageTest, AnOpenBreakerAnswersAtOnceWithoutThePlugin) {
  config::FaultPolicy policy;
  policy.trip_after = 1;
  policy.open_ms = 60'000;
  make(policy);
  plugin.fail_appends = true;
  Appended first, second;
  storage->append({1, 1, "lobby", "ann", "hi"}, first);
  EXPECT_EQ(guard->snapshot().state, BreakerState::open);
  storage->append({2, 1, "lobby", "ann", "hi"}, second);
  EXPECT_EQ(second.calls, 1);  // inline, before append() returned
  EXPECT_EQ(plugin.appends, 1);
  EXPECT_EQ(counter("natter_plugin_calls_short_circuited_total"), 1u);
  EXPECT_EQ(counter("natter_plugin_breaker_trips_total"), 1u);
}

TEST_F(GuardedStorageTest, FailingOpenAReadThePluginCannotAnswerIsAnEmptyPage) {
  config::FaultPolicy policy;
  policy.deadline_ms = 50;
  policy.fail_open = true;
  make(policy);
  plugin.answer_reads = false;
  Paged paged;
  EXPECT_EQ(read_page(paged), std::make_pair(natter::ErrorCode::none, std::size_t{0}));
}

}  // namespace
}  // namespace natter::faults
