// Token buckets on a clock the test moves: bursts, refill, honest waits,
// refusals that take nothing, and memory that stays bounded.
#include "token_buckets.hpp"

#include <gtest/gtest.h>

namespace natter::ratelimit {
namespace {

using namespace std::chrono_literals;
using Action = natter::LimitedAction;

TokenBuckets::Ask sends_by(std::string_view user, std::uint64_t connection = 1) {
  return {Action::send, user, "192.0.2.1", "lobby", connection, 1};
}

TEST(TokenBuckets, ABurstThenTheRate) {
  TokenBuckets buckets({parse_rule("send per user 2/s burst 3")}, 1000);
  const auto t = TokenBuckets::Clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(buckets.take(sends_by("ann"), t), 0u);
  EXPECT_EQ(buckets.take(sends_by("ann"), t), 500u);          // one token in half a second
  EXPECT_EQ(buckets.take(sends_by("ann"), t + 499ms), 1u);
  EXPECT_EQ(buckets.take(sends_by("ann"), t + 500ms), 0u);    // exactly when it said
  EXPECT_EQ(buckets.take(sends_by("bob"), t + 500ms), 0u);    // another user, another bucket
}

TEST(TokenBuckets, OnlyTheRulesOfTheActionApply) {
  TokenBuckets buckets({parse_rule("join per user 1/min burst 1")}, 1000);
  const auto t = TokenBuckets::Clock::now();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(buckets.take(sends_by("ann"), t), 0u);
  EXPECT_EQ(buckets.take({Action::join, "ann", "ip", "r", 1, 1}, t), 0u);
  EXPECT_EQ(buckets.take({Action::join, "ann", "ip", "r", 1, 1}, t), 60'000u);
}

TEST(TokenBuckets, ARefusalByOneRuleTakesFromNone) {
  TokenBuckets buckets({parse_rule("send per user 1/s burst 5"), parse_rule("send per connection 1/s burst 1")}, 1000);
  const auto t = TokenBuckets::Clock::now();
  EXPECT_EQ(buckets.take(sends_by("ann", 1), t), 0u);
  EXPECT_EQ(buckets.take(sends_by("ann", 1), t), 1000u);  // the connection's bucket is empty
  // The user's bucket lost only the first token: four more on other connections.
  for (std::uint64_t c = 2; c <= 5; ++c) EXPECT_EQ(buckets.take(sends_by("ann", c), t), 0u);
  EXPECT_GT(buckets.take(sends_by("ann", 6), t), 0u);
}

TEST(TokenBuckets, IdleKeysAreForgottenOnceFull) {
  TokenBuckets buckets({parse_rule("send per user 10/s burst 1")}, 1000);
  const auto t = TokenBuckets::Clock::now();
  for (int i = 0; i < 100; ++i) buckets.take(sends_by("user" + std::to_string(i)), t);
  EXPECT_EQ(buckets.keys(), 100u);
  buckets.take(sends_by("late"), t + 2s);  // a sweep: the others are full again
  EXPECT_EQ(buckets.keys(), 1u);
  EXPECT_EQ(buckets.evicted(), 0u);
}

TEST(TokenBuckets, AFloodOfDistinctKeysStaysWithinMaxKeys) {
  TokenBuckets buckets({parse_rule("send per user 1/h burst 5")}, 1000);
  auto t = TokenBuckets::Clock::now();
  for (int i = 0; i < 20'000; ++i) {
    t += 1us;
    buckets.take(sends_by("flood" + std::to_string(i)), t);
    ASSERT_LE(buckets.keys(), 1000u);
  }
  EXPECT_GT(buckets.evicted(), 18'000u);
}

}  // namespace
}  // namespace natter::ratelimit
