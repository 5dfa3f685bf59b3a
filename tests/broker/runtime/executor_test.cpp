// The broker loop: tasks run one at a time, in the order they were handed
// over, on the loop's thread - or, through run_or_post(), on the caller's
// thread when the loop is idle, which is how a transport's I/O thread runs
// a command without two thread switches.

#include "runtime/executor.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
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

// Whether a task handed over with post() runs within five seconds: a lost
// wakeup would leave it queued behind a sleeping loop thread.
bool runs_soon(Executor& loop) {
  auto ran = std::make_shared<std::promise<void>>();
  auto done = ran->get_future();
  loop.post([ran] { ran->set_value(); });
  return done.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
}

TEST(Executor, ABurstOfPostsWakesTheLoopAndTheNextBurstWakesItAgain) {
  // A storage commit completes many sends at once: one wakeup serves the
  // whole burst, and the loop must still be woken by the burst after.
  Executor loop;
  std::atomic<int> ran{0};
  for (int burst = 1; burst <= 200; ++burst) {
    std::thread plugin([&] {
      for (int i = 0; i < 20; ++i) loop.post([&] { ran.fetch_add(1); });
    });
    plugin.join();
    ASSERT_TRUE(runs_soon(loop)) << "burst " << burst;
    ASSERT_EQ(ran.load(), burst * 20);
  }
}

// True once `count` reaches `want` within 5 s, without handing anything
// over (which would wake the loop itself).
bool reaches(const std::atomic<int>& count, int want) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (count.load() < want) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return true;
}

TEST(Executor, AHeldBurstRunsInOrderOnceTheHoldIsReleased) {
  // A storage plugin holds wakes around a commit's completions: the loop
  // is woken by the release, once per burst, and runs the burst in order.
  Executor loop;
  std::atomic<int> ran{0};
  std::vector<int> order;  // loop tasks only
  for (int burst = 1; burst <= 200; ++burst) {
    std::thread plugin([&] {
      Executor::hold_wakes();
      for (int i = 0; i < 20; ++i) {
        loop.post([&, i] {
          order.push_back(i);
          ran.fetch_add(1);
        });
      }
      Executor::release_wakes();
    });
    plugin.join();
    ASSERT_TRUE(reaches(ran, burst * 20)) << "burst " << burst;
  }
  loop.barrier();
  for (std::size_t i = 0; i < order.size(); ++i) ASSERT_EQ(order[i], static_cast<int>(i % 20));
}

TEST(Executor, NestedHoldsWakeTheLoopAtTheOutermostRelease) {
  Executor loop;
  std::atomic<int> ran{0};
  std::thread plugin([&] {
    Executor::hold_wakes();
    Executor::hold_wakes();
    loop.post([&] { ran.fetch_add(1); });
    Executor::release_wakes();
    loop.post([&] { ran.fetch_add(1); });
    Executor::release_wakes();
  });
  plugin.join();
  EXPECT_TRUE(reaches(ran, 2));
}

TEST(Executor, TasksAnInlineRunnerTookFromASleepingLoopDoNotSilenceLaterPosts) {
  // A post wakes the loop thread, but a transport's thread runs the queue
  // inline before the loop thread gets there: the wakeup finds nothing,
  // and the next post must wake the loop again.
  Executor loop;
  for (int round = 0; round < 500; ++round) {
    loop.post([] {});
    loop.run_or_post([] {});
    ASSERT_TRUE(runs_soon(loop)) << "round " << round;
  }
}

TEST(Executor, APostRightAfterConstructionWakesTheLoop) {
  // The loop thread may not have gone to sleep yet when the first task
  // arrives: that wakeup must not be counted as sent forever.
  Executor loop;
  EXPECT_TRUE(runs_soon(loop));
  EXPECT_TRUE(runs_soon(loop));
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
