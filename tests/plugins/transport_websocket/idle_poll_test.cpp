// An I/O thread looks for work before sleeping only while that pays: while
// work keeps coming back within the limit (a busy room), not for a steady
// trickle whose gaps are longer, where looking would only burn CPU.

#include "idle_poll.hpp"

#include <gtest/gtest.h>

namespace natter::ws {
namespace {

using std::chrono::microseconds;

void sleeps(IdlePoll& idle, int times, microseconds gap) {
  for (int i = 0; i < times; ++i) idle.slept(gap);
}

TEST(IdlePoll, StartsBySleepingAtOnce) {
  EXPECT_EQ(IdlePoll(microseconds(200)).window(), microseconds(0));
}

TEST(IdlePoll, ARunOfShortGapsOpensTheWindowThenGrowsItToTheLimit) {
  IdlePoll idle(microseconds(200));
  sleeps(idle, 3, microseconds(40));
  EXPECT_EQ(idle.window(), microseconds(0));
  idle.slept(microseconds(40));
  EXPECT_EQ(idle.window(), microseconds(50));
  idle.slept(microseconds(120));
  EXPECT_EQ(idle.window(), microseconds(100));
  idle.slept(microseconds(150));
  EXPECT_EQ(idle.window(), microseconds(200));
  idle.slept(microseconds(200));
  EXPECT_EQ(idle.window(), microseconds(200));
}

TEST(IdlePoll, GapsBeyondTheLimitHalveItThenCloseIt) {
  IdlePoll idle(microseconds(200));
  sleeps(idle, 10, microseconds(10));
  ASSERT_EQ(idle.window(), microseconds(200));
  idle.slept(microseconds(1500));
  EXPECT_EQ(idle.window(), microseconds(100));
  idle.slept(microseconds(10));  // open: one short gap is enough to grow
  EXPECT_EQ(idle.window(), microseconds(200));
  sleeps(idle, 2, microseconds(1500));
  EXPECT_EQ(idle.window(), microseconds(50));
  idle.slept(microseconds(1500));
  EXPECT_EQ(idle.window(), microseconds(0));
}

TEST(IdlePoll, ATrickleOfAlternatingGapsNeverOpensIt) {
  // 500 messages a second: the fan-out, a short wait for the ack, then
  // most of 2 ms for the next message.
  IdlePoll idle(microseconds(200));
  for (int i = 0; i < 100; ++i) {
    idle.slept(microseconds(150));
    idle.slept(microseconds(1300));
    EXPECT_EQ(idle.window(), microseconds(0));
  }
}

TEST(IdlePoll, ABusySpellAfterATrickleOpensItAgain) {
  IdlePoll idle(microseconds(200));
  sleeps(idle, 10, microseconds(5000));
  sleeps(idle, 4, microseconds(30));
  EXPECT_EQ(idle.window(), microseconds(50));
}

TEST(IdlePoll, ALimitOfZeroNeverLooks) {
  IdlePoll idle(microseconds(0));
  sleeps(idle, 10, microseconds(0));
  EXPECT_EQ(idle.window(), microseconds(0));
}

}  // namespace
}  // namespace natter::ws
