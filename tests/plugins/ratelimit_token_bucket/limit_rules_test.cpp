// The limiter's rule lines: what they may say, and what each mistake is told.
#include "limit_rules.hpp"

#include <gtest/gtest.h>

namespace natter::ratelimit {
namespace {

TEST(LimitRules, ReadsActionKeyRateAndBurst) {
  const LimitRule rule = parse_rule("create_room per user 6/min burst 3");
  EXPECT_EQ(rule.action, natter::LimitedAction::create_room);
  EXPECT_EQ(rule.key, KeyKind::user);
  EXPECT_DOUBLE_EQ(rule.tokens_per_second, 0.1);
  EXPECT_DOUBLE_EQ(rule.burst, 3);
  EXPECT_DOUBLE_EQ(parse_rule("connect per ip 3600/h burst 1").tokens_per_second, 1);
}

std::string refusal(std::string_view line) {
  try {
    parse_rule(line);
  } catch (const RuleError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(LimitRules, SaysWhatIsWrong) {
  EXPECT_EQ(refusal("post per user 1/s burst 1"),
            "\"post per user 1/s burst 1\": no action 'post' (send, connect, join, typing, create_room, edit)");
  EXPECT_EQ(refusal("send per planet 1/s burst 1"),
            "\"send per planet 1/s burst 1\": no key 'planet' (user, ip, connection, room)");
  EXPECT_EQ(refusal("send per user 1/day burst 1"),
            "\"send per user 1/day burst 1\": a rate is N/s, N/min or N/h (got '1/day')");
  EXPECT_EQ(refusal("send per user 0/s burst 1"),
            "\"send per user 0/s burst 1\": the rate must be a positive number (got '0')");
  EXPECT_EQ(refusal("send per user 1/s burst 0.5"), "\"send per user 1/s burst 0.5\": a burst below 1 admits nothing");
  EXPECT_EQ(refusal("connect per room 1/s burst 1"), "\"connect per room 1/s burst 1\": connecting names no room");
  EXPECT_EQ(refusal("send 5/s"),
            "\"send 5/s\": write ACTION per KEY RATE/UNIT burst N, as in \"send per user 5/s burst 20\"");
}

TEST(LimitRules, TheIpOfARemoteAddress) {
  EXPECT_EQ(address_of("192.0.2.7:51000"), "192.0.2.7");
  EXPECT_EQ(address_of("[2001:db8::1]:443"), "2001:db8::1");
  EXPECT_EQ(address_of("::1:5000"), "::1");
}

}  // namespace
}  // namespace natter::ratelimit
