#include "storage_fixture.hpp"

namespace natter::conformance {

namespace {

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

}  // namespace natter::conformance
