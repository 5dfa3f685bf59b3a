// Where the operator's `address` says Redis is, and what each mistake is told.
#include "redis_connection.hpp"

#include <gtest/gtest.h>

namespace natter::redis {
namespace {

TEST(RedisEndpoint, ReadsHostPortV6AndUnixSockets) {
  const auto tcp = RedisEndpoint::parse("redis.internal:6380");
  EXPECT_EQ(tcp.host, "redis.internal");
  EXPECT_EQ(tcp.port, 6380);
  EXPECT_EQ(RedisEndpoint::parse("10.0.0.7").port, 6379);
  const auto v6 = RedisEndpoint::parse("[::1]:7000");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 7000);
  const auto unix = RedisEndpoint::parse("unix:/run/redis/redis-server.sock");
  EXPECT_EQ(unix.unix_path, "/run/redis/redis-server.sock");
  EXPECT_TRUE(unix.host.empty());
}

std::string refusal(std::string_view address) {
  try {
    RedisEndpoint::parse(address);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

TEST(RedisEndpoint, SaysWhatIsWrong) {
  EXPECT_EQ(refusal("redis:0"), "'redis:0': the port must be 1-65535");
  EXPECT_EQ(refusal("redis:http"), "'redis:http': the port must be 1-65535");
  EXPECT_EQ(refusal(":6379"), "':6379': no host");
  EXPECT_EQ(refusal("[::1"), "'[::1': no closing ]");
  EXPECT_EQ(refusal("unix:redis.sock"), "'unix:redis.sock': write unix:/absolute/path");
}

TEST(RedisEndpoint, DescribesItselfWithoutThePassword) {
  auto endpoint = RedisEndpoint::parse("127.0.0.1:6379");
  endpoint.password = "hunter2";
  endpoint.database = 3;
  EXPECT_EQ(endpoint.describe(), "127.0.0.1:6379/3");
}

}  // namespace
}  // namespace natter::redis
