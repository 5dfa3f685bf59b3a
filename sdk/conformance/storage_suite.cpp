#include "storage_suite.hpp"

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

namespace natter::conformance {

namespace {

std::function<std::unique_ptr<StorageUnderTest>()>& factory() {
  static std::function<std::unique_ptr<StorageUnderTest>()> f;
  return f;
}

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
    ASSERT_TRUE(factory()) << "no storage under test: call set_storage_under_test()";
    store_ = factory()();
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

TEST_F(StorageConformance, WhatIsAppendedIsReadBackExactly) {
  auto& s = store_->open();
  const std::string r = room("readback");
  std::vector<Stored> sent;
  for (int i = 0; i < 10; ++i) sent.push_back(message(r, "message " + std::to_string(i)));
  append_all(s, sent);
  EXPECT_EQ(page(s, r, 0, 0, 100), sent);
}

TEST_F(StorageConformance, PagesAreOrderedByIdNotByArrival) {
  auto& s = store_->open();
  const std::string r = room("order");
  std::vector<Stored> sent;
  for (int i = 0; i < 6; ++i) sent.push_back(message(r, std::to_string(i)));
  std::vector<Stored> shuffled = {sent[4], sent[1], sent[5], sent[0], sent[3], sent[2]};
  append_all(s, shuffled);
  EXPECT_EQ(ids(page(s, r, 0, 0, 100)), ids(sent));
}

TEST_F(StorageConformance, PagingBoundsAreExclusiveAndLimitsExact) {
  auto& s = store_->open();
  const std::string r = room("paging");
  std::vector<Stored> sent;
  for (int i = 0; i < 10; ++i) sent.push_back(message(r, std::to_string(i)));
  append_all(s, sent);
  auto id = [&](int i) { return sent[static_cast<std::size_t>(i)].id; };
  auto slice = [&](int from, int to) {
    std::vector<std::uint64_t> out;
    for (int i = from; i < to; ++i) out.push_back(id(i));
    return out;
  };
  EXPECT_EQ(ids(page(s, r, 0, 0, 3)), slice(7, 10)) << "newest page";
  EXPECT_EQ(ids(page(s, r, id(7), 0, 3)), slice(4, 7)) << "before is exclusive";
  EXPECT_EQ(ids(page(s, r, 0, id(2), 3)), slice(3, 6)) << "after is exclusive, oldest first";
  EXPECT_EQ(ids(page(s, r, id(6), id(2), 10)), slice(3, 6)) << "both bounds";
  EXPECT_EQ(ids(page(s, r, 0, 0, 10)), slice(0, 10)) << "limit equal to the count";
  EXPECT_EQ(ids(page(s, r, 0, 0, 500)), slice(0, 10)) << "limit above the count";
  EXPECT_TRUE(page(s, r, id(0), 0, 10).empty()) << "before the first";
  EXPECT_TRUE(page(s, r, 0, id(9), 10).empty()) << "after the last";
  EXPECT_TRUE(page(s, room("never-used"), 0, 0, 10).empty()) << "unknown room";
}

TEST_F(StorageConformance, ReappendingTheSameMessageStoresItOnce) {
  auto& s = store_->open();
  const std::string r = room("replay");
  Stored m = message(r, "once");
  append_all(s, {m});
  append_all(s, {m, m});
  EXPECT_EQ(page(s, r, 0, 0, 10), std::vector<Stored>{m});
}

TEST_F(StorageConformance, RoomsAreKeptApart) {
  auto& s = store_->open();
  const std::string a = room("a"), b = room("b");
  Stored in_a = message(a, "for a"), in_b = message(b, "for b");
  append_all(s, {in_a, in_b});
  EXPECT_EQ(page(s, a, 0, 0, 10), std::vector<Stored>{in_a});
  EXPECT_EQ(page(s, b, 0, 0, 10), std::vector<Stored>{in_b});
}

TEST_F(StorageConformance, ConcurrentWritersLoseNothing) {
  auto& s = store_->open();
  const std::string r = room("concurrent");
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::vector<Stored>> batches(kThreads);
  for (auto& batch : batches) {
    for (int i = 0; i < kEach; ++i) batch.push_back(message(r, "w" + std::to_string(i)));
  }
  Completions done;
  std::vector<natter::AppendDone*> slots;
  for (int i = 0; i < kThreads * kEach; ++i) slots.push_back(&done.next());
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const Stored& m = batches[t][i];
        s.append({m.id, m.ts_ms, m.room, m.sender, m.body}, *slots[t * kEach + i]);
      }
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_TRUE(done.wait());
  ASSERT_EQ(done.failures(), 0) << done.last_error();
  std::set<std::uint64_t> expected;
  for (const auto& batch : batches) {
    for (const auto& m : batch) expected.insert(m.id);
  }
  auto stored = ids(page(s, r, 0, 0, kThreads * kEach + 10));
  EXPECT_EQ(std::set<std::uint64_t>(stored.begin(), stored.end()), expected);
  EXPECT_EQ(stored.size(), expected.size());
}

TEST_F(StorageConformance, LargeMessagesRoundTrip) {
  auto& s = store_->open();
  const std::string r = room("large");
  std::string body(1 << 20, 'x');
  for (std::size_t i = 0; i < body.size(); i += 4096) body[i] = static_cast<char>('a' + (i / 4096) % 26);
  Stored m = message(r, body);
  append_all(s, {m});
  EXPECT_EQ(page(s, r, 0, 0, 1), std::vector<Stored>{m});
}

TEST_F(StorageConformance, UnicodeIsStoredByteForByte) {
  auto& s = store_->open();
  const std::string r = room("ünïcødé-房间-🚀");
  std::vector<Stored> sent = {
      message(r, "emoji 👋🏽 and flags 🇳🇱"), message(r, "漢字かなカナ 한국어"),
      message(r, "עברית والعربية"), message(r, "e\xCC\x81 combining, \xE2\x80\x8B zero width"),
      message(r, "quotes ' \" ` \\ and ; DROP TABLE messages; --")};
  sent[1].sender = "ÿser-名前";
  append_all(s, sent);
  EXPECT_EQ(page(s, r, 0, 0, 10), sent);
}

TEST_F(StorageConformance, EveryCompletedAppendIsVisibleToTheNextRead) {
  auto& s = store_->open();
  const std::string r = room("read-your-writes");
  for (int i = 0; i < 20; ++i) {
    Stored m = message(r, std::to_string(i));
    append_all(s, {m});
    auto newest = page(s, r, 0, 0, 1);
    ASSERT_EQ(ids(newest), std::vector<std::uint64_t>{m.id}) << "append " << i;
  }
}

TEST_F(StorageConformance, StopCommitsEverythingQueuedAndARestartSeesIt) {
  const std::string r = room("restart");
  std::vector<Stored> sent;
  for (int i = 0; i < 2000; ++i) sent.push_back(message(r, std::to_string(i)));
  Completions done;
  {
    auto& s = store_->open();
    for (const auto& m : sent) s.append({m.id, m.ts_ms, m.room, m.sender, m.body}, done.next());
    store_->close();  // no waiting: stop() itself must finish the queue
  }
  ASSERT_TRUE(done.wait(0s)) << "stop() returned before completing every append";
  ASSERT_EQ(done.failures(), 0) << done.last_error();
  auto& again = store_->open();
  EXPECT_EQ(page(again, r, 0, 0, 5000), sent);
}

TEST_F(StorageConformance, AfterStopAppendsAreRefusedAtOnce) {
  auto& s = store_->open();
  s.stop();
  Completions done;
  s.append({new_id(), 1, room("late"), "u", "late"}, done.next());
  EXPECT_TRUE(done.wait(0s)) << "append after stop() must complete before returning";
  EXPECT_EQ(done.failures(), 1);
}

// A crash: a child process appends and reports each acked id through a
// pipe; it is killed with SIGKILL mid-stream. Every id it reported as
// acked must be there when the store is opened again.
TEST_F(StorageConformance, AckedAppendsSurviveAProcessCrash) {
  const std::string r = room("crash");
  std::vector<Stored> sent;
  for (int i = 0; i < 20000; ++i) sent.push_back(message(r, "crash " + std::to_string(i)));
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    struct Report final : natter::AppendDone {
      int fd;
      std::uint64_t id;
      void appended(natter::Status status) noexcept override {
        if (status.ok()) (void)!write(fd, &id, sizeof id);
      }
    };
    std::vector<Report> reports(sent.size());
    auto& s = store_->open();
    for (std::size_t i = 0; i < sent.size(); ++i) {
      reports[i].fd = fds[1];
      reports[i].id = sent[i].id;
      const Stored& m = sent[i];
      s.append({m.id, m.ts_ms, m.room, m.sender, m.body}, reports[i]);
    }
    pause();  // killed from outside
    _exit(0);
  }
  close(fds[1]);
  std::vector<std::uint64_t> acked;
  std::uint64_t id;
  while (acked.size() < 300 && read(fds[0], &id, sizeof id) == sizeof id) acked.push_back(id);
  kill(child, SIGKILL);
  while (read(fds[0], &id, sizeof id) == sizeof id) acked.push_back(id);  // acked before death
  close(fds[0]);
  waitpid(child, nullptr, 0);
  ASSERT_GE(acked.size(), 300u) << "the child acked too little before being killed";

  auto& s = store_->open();
  auto stored = ids(page(s, r, 0, 0, 25000));
  std::set<std::uint64_t> present(stored.begin(), stored.end());
  for (std::uint64_t a : acked) ASSERT_TRUE(present.count(a)) << "acked id " << a << " was lost";
  EXPECT_EQ(present.size(), stored.size()) << "an id was stored twice";
}


// ---- Room state (natter::RoomState, ABI 1.5) ----

class StateWaiter final : public natter::StateWritten {
 public:
  void written(natter::Status status) noexcept override {
    std::lock_guard lock(mutex_);
    ok_ = status.ok();
    error_ = status.detail;
    done_ = true;
    cv_.notify_all();
  }
  // True once written() was called; false on timeout.
  bool wait(std::chrono::seconds limit = 60s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [this] { return done_; });
  }
  bool ok() {
    std::lock_guard lock(mutex_);
    return ok_;
  }
  std::string error() {
    std::lock_guard lock(mutex_);
    return error_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false, ok_ = false;
  std::string error_;
};

using StateMap = std::map<std::pair<std::string, std::string>, std::string>;

class StateCollector final : public natter::StateVisitor {
 public:
  explicit StateCollector(std::string prefix) : prefix_(std::move(prefix)) {}
  void entry(const natter::StateEntry& e) noexcept override {
    if (!e.room.starts_with(prefix_)) return;  // another run's, or natterd's
    const auto [at, fresh] = entries.emplace(std::pair{std::string(e.room), std::string(e.key)}, std::string(e.value));
    if (!fresh) ++duplicates;
  }
  StateMap entries;
  int duplicates = 0;

 private:
  std::string prefix_;
};

class RoomStateConformance : public StorageConformance {
 protected:
  // The open store's RoomState; skips the case if it has none.
  natter::RoomState* open_state() {
    storage_ = &store_->open();
    return store_->room_state();
  }

  void write(natter::RoomState& state, const std::vector<natter::StateChange>& changes) {
    StateWaiter done;
    state.write(changes, done);
    ASSERT_TRUE(done.wait()) << "write never completed";
    ASSERT_TRUE(done.ok()) << done.error();
  }

  StateMap load(natter::RoomState& state) {
    StateCollector each(room(""));
    CaptureReason why;
    EXPECT_TRUE(state.load(each, why)) << why.text;
    EXPECT_EQ(each.duplicates, 0) << "an entry was loaded twice";
    return each.entries;
  }

  // A fresh instance over the same store, as after a restart.
  natter::RoomState& reopen() {
    store_->close();
    return *open_state();
  }

  struct CaptureReason final : natter::Diagnostic {
    void report(std::string_view message) noexcept override { text = message; }
    std::string text;
  };

  natter::Storage* storage_ = nullptr;  // the instance open_state() opened
};

#define NATTER_NEEDS_ROOM_STATE(state) \
  if (!(state)) GTEST_SKIP() << "the plugin keeps no room state (no natter::RoomState)"

TEST_F(RoomStateConformance, WhatIsWrittenIsLoadedBackExactlyAfterARestart) {
  auto* state = open_state();
  NATTER_NEEDS_ROOM_STATE(state);
  const std::string a = room("state-a"), b = room("state-b");
  const std::string binary("kind=x\n\0\xff\xfe end", 16);
  write(*state, {{natter::StateOp::put, a, "room", binary},
                 {natter::StateOp::put, a, "member:ann", ""},
                 {natter::StateOp::put, a, "member:Zoë 🐈", "ü"}});
  write(*state, {{natter::StateOp::put, b, "room", "kind=public"}});
  const StateMap expected = {{{a, "room"}, binary}, {{a, "member:ann"}, ""}, {{a, "member:Zoë 🐈"}, "ü"},
                             {{b, "room"}, "kind=public"}};
  EXPECT_EQ(load(*state), expected);
  EXPECT_EQ(load(reopen()), expected);
}

TEST_F(RoomStateConformance, APutReplacesAndAnEraseForgetsInOrder) {
  auto* state = open_state();
  NATTER_NEEDS_ROOM_STATE(state);
  const std::string r = room("replace");
  write(*state, {{natter::StateOp::put, r, "k", "one"},
                 {natter::StateOp::put, r, "k", "two"},
                 {natter::StateOp::put, r, "gone", "x"},
                 {natter::StateOp::erase, r, "gone", {}},
                 {natter::StateOp::erase, r, "never-there", {}}});
  EXPECT_EQ(load(reopen()), (StateMap{{{r, "k"}, "two"}}));
}

TEST_F(RoomStateConformance, ErasingARoomForgetsItsStateAndItsMessagesOnly) {
  auto* state = open_state();
  NATTER_NEEDS_ROOM_STATE(state);
  auto& s = *storage_;
  const std::string doomed = room("doomed"), kept = room("kept");
  const Stored old = message(doomed, "before"), other = message(kept, "other room");
  append_all(s, {old, other});
  write(*state, {{natter::StateOp::put, doomed, "room", "r"}, {natter::StateOp::put, kept, "room", "r"}});
  // Queued right behind the erase, without waiting: it must survive it.
  const Stored after = message(doomed, "after");
  Completions appended;
  StateWaiter erased;
  state->write(std::vector<natter::StateChange>{{natter::StateOp::erase_room, doomed, {}, {}}}, erased);
  s.append({after.id, after.ts_ms, after.room, after.sender, after.body}, appended.next());
  ASSERT_TRUE(erased.wait() && erased.ok()) << erased.error();
  ASSERT_TRUE(appended.wait());
  EXPECT_EQ(page(s, doomed, 0, 0, 10), std::vector<Stored>{after});
  EXPECT_EQ(page(s, kept, 0, 0, 10), std::vector<Stored>{other});
  EXPECT_EQ(load(*state), (StateMap{{{kept, "room"}, "r"}}));
}

TEST_F(RoomStateConformance, StopCommitsQueuedStateWrites) {
  auto* state = open_state();
  NATTER_NEEDS_ROOM_STATE(state);
  const std::string r = room("queued");
  std::vector<std::unique_ptr<StateWaiter>> waiters;
  for (int i = 0; i < 200; ++i) {
    waiters.push_back(std::make_unique<StateWaiter>());
    state->write(std::vector<natter::StateChange>{{natter::StateOp::put, r, "k" + std::to_string(i), "v"}},
                 *waiters.back());
  }
  store_->close();  // no waiting: stop() itself must finish the queue
  for (auto& w : waiters) {
    ASSERT_TRUE(w->wait(0s)) << "stop() returned before completing every write";
    ASSERT_TRUE(w->ok()) << w->error();
  }
  EXPECT_EQ(load(*open_state()).size(), 200u);
}

TEST_F(RoomStateConformance, AfterStopWritesAreRefusedAtOnce) {
  auto* state = open_state();
  NATTER_NEEDS_ROOM_STATE(state);
  storage_->stop();
  StateWaiter done;
  state->write(std::vector<natter::StateChange>{{natter::StateOp::put, room("late"), "k", "v"}}, done);
  EXPECT_TRUE(done.wait(0s)) << "a write after stop() must complete before returning";
  EXPECT_FALSE(done.ok());
}

}  // namespace

void set_storage_under_test(std::function<std::unique_ptr<StorageUnderTest>()> f) { factory() = std::move(f); }

}  // namespace natter::conformance
