// Timers: tasks run on the broker loop once their time has come, earliest
// first, never before it, and a destroyed Timers drops what was not due.

#include "runtime/timers.hpp"

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace natter::runtime {
namespace {

using namespace std::chrono_literals;

TEST(Timers, TasksRunOnTheLoopInDeadlineOrderAndNotBeforeTheirTime) {
  Executor loop;
  Timers timers(loop);
  std::vector<int> ran;  // touched on the loop only
  std::thread::id loop_thread;
  std::promise<void> last;
  const auto start = Timers::Clock::now();
  std::vector<Timers::Clock::duration> at(3);
  timers.at(start + 60ms, [&] {
    ran.push_back(3);
    at[2] = Timers::Clock::now() - start;
    last.set_value();
  });
  timers.at(start + 20ms, [&] {
    ran.push_back(1);
    at[0] = Timers::Clock::now() - start;
    loop_thread = std::this_thread::get_id();
  });
  timers.at(start + 40ms, [&] {
    ran.push_back(2);
    at[1] = Timers::Clock::now() - start;
  });
  ASSERT_EQ(last.get_future().wait_for(5s), std::future_status::ready);
  loop.barrier();
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(at[0], 20ms);
  EXPECT_GE(at[1], 40ms);
  EXPECT_GE(at[2], 60ms);
  EXPECT_NE(loop_thread, std::this_thread::get_id());
}

TEST(Timers, AnEarlierDeadlineAddedLaterWakesTheTimerThread) {
  Executor loop;
  Timers timers(loop);
  timers.at(Timers::Clock::now() + 1h, [] {});
  std::promise<void> soon;
  timers.at(Timers::Clock::now() + 10ms, [&] { soon.set_value(); });
  EXPECT_EQ(soon.get_future().wait_for(5s), std::future_status::ready);
}

TEST(Timers, WhatWasNotDueWhenTheyStopIsDropped) {
  Executor loop;
  bool ran = false;
  {
    Timers timers(loop);
    timers.at(Timers::Clock::now() + 1h, [&] { ran = true; });
  }
  loop.barrier();
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace natter::runtime
