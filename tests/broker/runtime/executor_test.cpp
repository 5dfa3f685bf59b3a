// The broker loop: tasks run one at a time, in the order they were handed
// over, on the loop's thread - or, through run_or_post(), on the caller's
// thread when the loop is idle, which is how a transport's I/O thread runs
// a command without two thread switches.

#include "runtime/executor.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace natter::runtime {
namespace {

// Returns once the loop thread has finished its last task and let go:
// a probe handed over then runs on this thread.
void until_idle(Executor& loop) {
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> here{false};  // outlives every probe: see the barriers
  for (int attempt = 0; attempt < 2000; ++attempt) {
    loop.barrier();  // an earlier probe has run
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    loop.run_or_post([&] { here = std::this_thread::get_id() == caller; });
    if (here) return;
  }
  loop.barrier();
  FAIL() << "the loop never became idle";
}

TEST(Executor, PostedTasksRunInOrderOnTheLoopThread) {
  Executor loop;
  std::vector<int> ran;
  std::vector<std::thread::id> on;
  for (int i = 0; i < 100; ++i) {
    loop.post([&, i] {
      ran.push_back(i);
      on.push_back(std::this_thread::get_id());
    });
  }
  loop.barrier();
  ASSERT_EQ(ran.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ran[static_cast<std::size_t>(i)], i);
  for (const auto& id : on) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(Executor, AnIdleLoopRunsTheTaskOnTheCallersThreadBeforeReturning) {
  Executor loop;
  until_idle(loop);
  std::thread::id on;
  loop.run_or_post([&] { on = std::this_thread::get_id(); });
  EXPECT_EQ(on, std::this_thread::get_id());
}

TEST(Executor, WhatAnInlineTaskHandsOverRunsBeforeRunOrPostReturns) {
  // The broker's fan-out flush is posted by the command it follows: it
  // must leave with the command, not wait for the loop thread.
  Executor loop;
  until_idle(loop);
  std::vector<int> ran;
  loop.run_or_post([&] {
    ran.push_back(1);
    loop.post([&] { ran.push_back(2); });
  });
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
}

TEST(Executor, ABusyLoopTakesTheTaskAfterWhatItIsRunning) {
  Executor loop;
  std::promise<void> release;
  std::promise<void> blocking;
  loop.post([&] {
    blocking.set_value();
    release.get_future().wait();
  });
  blocking.get_future().wait();
  std::atomic<bool> ran{false};
  std::thread::id on;
  loop.run_or_post([&] {
    on = std::this_thread::get_id();
    ran = true;
  });
  EXPECT_FALSE(ran) << "ran beside a task that was still running";
  release.set_value();
  loop.barrier();
  EXPECT_TRUE(ran);
  EXPECT_NE(on, std::this_thread::get_id());
}

TEST(Executor, ATaskHandingOverAnotherNeverRunsItInsideItself) {
  Executor loop;
  until_idle(loop);
  std::vector<int> ran;
  loop.run_or_post([&] {
    loop.run_or_post([&] { ran.push_back(2); });
    ran.push_back(1);
  });
  loop.barrier();
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
}

TEST(Executor, ManyThreadsNeverRunTasksAtOnceAndEachKeepsItsOrder) {
  // Two transport threads handing over commands and a storage thread
  // posting completions, all at once: at most one task runs at a time,
  // and each thread's tasks run in the order it handed them over.
  Executor loop;
  constexpr int kThreads = 3, kTasks = 20000;
  std::atomic<int> running{0};
  bool overlapped = false;  // written by tasks only, which never overlap
  std::vector<std::vector<int>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kTasks; ++i) {
        auto task = [&, t, i] {
          if (running.fetch_add(1) != 0) overlapped = true;
          seen[static_cast<std::size_t>(t)].push_back(i);
          running.fetch_sub(1);
        };
        if (t == 0) {
          loop.post(task);
        } else {
          loop.run_or_post(task);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  loop.barrier();
  EXPECT_FALSE(overlapped);
  for (int t = 0; t < kThreads; ++t) {
    const auto& order = seen[static_cast<std::size_t>(t)];
    ASSERT_EQ(order.size(), static_cast<std::size_t>(kTasks)) << "thread " << t;
    for (int i = 0; i < kTasks; ++i) ASSERT_EQ(order[static_cast<std::size_t>(i)], i) << "thread " << t;
  }
}

}  // namespace
}  // namespace natter::runtime
