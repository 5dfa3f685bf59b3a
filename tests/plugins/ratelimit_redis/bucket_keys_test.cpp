// Which buckets in Redis one action spends from: nodes with the same rule
// share a bucket, a connection's bucket is its node's own.
#include "bucket_script.hpp"

#include <gtest/gtest.h>

namespace natter::ratelimit {
namespace {

const std::vector<LimitRule> kRules = {parse_rule("send per user 5/s burst 20"),
                                       parse_rule("send per ip 50/s burst 200"),
                                       parse_rule("typing per connection 2/s burst 6")};

SharedAsk ask(natter::LimitedAction action) {
  return {action, "alice", "lobby", "[2001:db8::7]:40000", 42, 1};
}

TEST(BucketKeys, OneScriptCallNamesEveryRulesBucket) {
  const BucketKeys keys("natter:rl:", kRules, 3);
  const auto call = keys.call("0123abcd", ask(natter::LimitedAction::send));
  const std::vector<std::string> expected = {
      "EVALSHA", "0123abcd", "2", "natter:rl:send:user:5/s:20:alice", "natter:rl:send:ip:50/s:200:2001:db8::7",
      "1",       "0.0050000000000000001", "20", "0.050000000000000003", "200"};
  EXPECT_EQ(call, expected);
}

TEST(BucketKeys, TheSameRuleOnAnotherNodeSharesTheBucket) {
  const auto here = BucketKeys("natter:rl:", kRules, 1).call("sha", ask(natter::LimitedAction::send));
  const auto there = BucketKeys("natter:rl:", kRules, 2).call("sha", ask(natter::LimitedAction::send));
  EXPECT_EQ(here, there);
}

TEST(BucketKeys, AConnectionIsCountedPerNode) {
  const auto here = BucketKeys("p:", kRules, 1).call("sha", ask(natter::LimitedAction::typing));
  const auto there = BucketKeys("p:", kRules, 2).call("sha", ask(natter::LimitedAction::typing));
  ASSERT_EQ(here.size(), 7u);  // EVALSHA sha 1 key cost rate burst
  EXPECT_EQ(here[3], "p:typing:connection:2/s:6:1.42");
  EXPECT_EQ(there[3], "p:typing:connection:2/s:6:2.42");
}

TEST(BucketKeys, AnActionNoRuleLimitsCostsNoCall) {
  EXPECT_TRUE(BucketKeys("p:", kRules, 1).call("sha", ask(natter::LimitedAction::join)).empty());
}

TEST(BucketKeys, AChangedRuleStartsFreshBuckets) {
  const auto before = BucketKeys("p:", {parse_rule("send per user 5/s burst 20")}, 1)
                          .call("sha", ask(natter::LimitedAction::send));
  const auto after = BucketKeys("p:", {parse_rule("send per user 5/s burst 30")}, 1)
                         .call("sha", ask(natter::LimitedAction::send));
  EXPECT_NE(before[3], after[3]);
}

}  // namespace
}  // namespace natter::ratelimit
