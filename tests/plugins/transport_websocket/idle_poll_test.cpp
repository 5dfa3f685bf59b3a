// An I/O thread looks for work before sleeping only while that pays: while
// work keeps coming back within the limit (a busy room), not for a steady
// trickle whose gaps are longer, where looking would only burn CPU.

#include "idle_poll.hpp"

#include <gtest/gtest.h>

namespace natter::ws {
namespace {

using std::chrono::microseconds;

TEST(IdlePoll, StartsBySleepingAtOnce) {
  EXPECT_EQ(IdlePoll(microseconds(200)).window(), microseconds(0));
}

TEST(IdlePoll, ShortGapsGrowTheWindowUpToTheLimit) {
  IdlePoll idle(microseconds(200));
  idle.slept(microseconds(40));
  EXPECT_EQ(idle.window(), microseconds(50));
  idle.slept(microseconds(120));
  EXPECT_EQ(idle.window(), microseconds(100));
  idle.slept(microseconds(150));
  EXPECT_EQ(idle.window(), microseconds(200));
  idle.slept(microseconds(200));
  EXPECT_EQ(idle.window(), microseconds(200));
}

TEST(IdlePoll, GapsBeyondTheLimitShrinkItToNothing) {
  IdlePoll idle(microseconds(200));
  for (int i = 0; i < 3; ++i) idle.slept(microseconds(10));
  ASSERT_EQ(idle.window(), microseconds(200));
  idle.slept(microseconds(1500));  // a message every 2 ms: out of reach
  EXPECT_EQ(idle.window(), microseconds(100));
  idle.slept(microseconds(1500));
  EXPECT_EQ(idle.window(), microseconds(50));
  idle.slept(microseconds(1500));
  EXPECT_EQ(idle.window(), microseconds(0));
  idle.slept(microseconds(1500));
  EXPECT_EQ(idle.window(), microseconds(0));
}

TEST(IdlePoll, ABusySpellAfterATrickleGrowsItAgain) {
  IdlePoll idle(microseconds(200));
  idle.slept(microseconds(5000));
  ASSERT_EQ(idle.window(), microseconds(0));
  idle.slept(microseconds(30));
  EXPECT_EQ(idle.window(), microseconds(50));
}

TEST(IdlePoll, ALimitOfZeroNeverLooks) {
  IdlePoll idle(microseconds(0));
  idle.slept(microseconds(0));
  idle.slept(microseconds(10));
  EXPECT_EQ(idle.window(), microseconds(0));
}

}  // namespace
}  // namespace natter::ws
