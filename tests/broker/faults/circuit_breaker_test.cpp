// CircuitBreaker: opens after trip_after failures in a row, spares the
// plugin while open, lets one trial call through once open_for has passed,
// and closes or reopens on that call's outcome.

#include "faults/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace natter::faults {
namespace {

using namespace std::chrono_literals;
using Clock = CircuitBreaker::Clock;

TEST(CircuitBreaker, OpensAfterFailuresInARowOnly) {
  CircuitBreaker breaker(3, 1s);
  const auto now = Clock::now();
  EXPECT_FALSE(breaker.failed(now));
  EXPECT_FALSE(breaker.failed(now));
  breaker.succeeded();  // the run is broken
  EXPECT_FALSE(breaker.failed(now));
  EXPECT_FALSE(breaker.failed(now));
  EXPECT_EQ(breaker.state(), BreakerState::closed);
  EXPECT_TRUE(breaker.allow(now));
  EXPECT_TRUE(breaker.failed(now));  // the third in a row: a trip
  EXPECT_EQ(breaker.state(), BreakerState::open);
  EXPECT_FALSE(breaker.allow(now + 999ms));
}

TEST(CircuitBreaker, HalfOpenLetsOneTrialThroughAndItsOutcomeDecides) {
  CircuitBreaker breaker(1, 1s);
  const auto now = Clock::now();
  ASSERT_TRUE(breaker.failed(now));
  EXPECT_FALSE(breaker.would_allow(now + 999ms));
  EXPECT_TRUE(breaker.would_allow(now + 1s));
  EXPECT_EQ(breaker.state(), BreakerState::open);  // asking changed nothing
  EXPECT_TRUE(breaker.allow(now + 1s));  // the trial
  EXPECT_EQ(breaker.state(), BreakerState::half_open);
  EXPECT_FALSE(breaker.allow(now + 1s));  // only one at a time
  EXPECT_FALSE(breaker.would_allow(now + 1s));
  EXPECT_TRUE(breaker.failed(now + 1s));  // the trial failed: open again, a trip
  EXPECT_EQ(breaker.state(), BreakerState::open);
  EXPECT_FALSE(breaker.allow(now + 1500ms));
  EXPECT_TRUE(breaker.allow(now + 2s));
  breaker.succeeded();
  EXPECT_EQ(breaker.state(), BreakerState::closed);
  EXPECT_TRUE(breaker.allow(now + 2s));
  EXPECT_TRUE(breaker.allow(now + 2s));
}

TEST(CircuitBreaker, FailuresOfCallsFromBeforeItOpenedDoNotExtendIt) {
  CircuitBreaker breaker(1, 1s);
  const auto now = Clock::now();
  ASSERT_TRUE(breaker.failed(now));
  EXPECT_FALSE(breaker.failed(now + 900ms));  // a late answer to an older call
  EXPECT_TRUE(breaker.allow(now + 1s));
}

}  // namespace
}  // namespace natter::faults
