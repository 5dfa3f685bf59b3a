#include "chat/snowflake.hpp"

#include <gtest/gtest.h>

namespace natter::chat {

constexpr std::int64_t kNow = 1795781234567;

TEST(Snowflake, IdsCarryTheirTimeAndNode) {
  SnowflakeGenerator ids(7);
  Snowflake s = ids.next(kNow);
  EXPECT_EQ(s.unix_ms, kNow);
  EXPECT_EQ(SnowflakeGenerator::unix_ms_of(s.id), kNow);
  EXPECT_EQ(SnowflakeGenerator::node_of(s.id), 7u);
}

TEST(Snowflake, IdsIncreaseWithinOneMillisecondAndAcrossThem) {
  SnowflakeGenerator ids(1);
  std::uint64_t last = 0;
  for (int ms = 0; ms < 3; ++ms) {
    for (int i = 0; i < 100; ++i) {
      std::uint64_t id = ids.next(kNow + ms).id;
      EXPECT_GT(id, last);
      last = id;
    }
  }
}

TEST(Snowflake, AClockSteppingBackNeverRepeatsAnId) {
  SnowflakeGenerator ids(1);
  std::uint64_t before = ids.next(kNow).id;
  std::uint64_t after = ids.next(kNow - 5000).id;
  EXPECT_GT(after, before);
}

TEST(Snowflake, MoreThan4096InOneMillisecondBorrowTheNext) {
  SnowflakeGenerator ids(1);
  std::uint64_t last = 0;
  for (int i = 0; i < 5000; ++i) {
    std::uint64_t id = ids.next(kNow).id;
    ASSERT_GT(id, last);
    last = id;
  }
  EXPECT_EQ(SnowflakeGenerator::unix_ms_of(last), kNow + 1);
}

TEST(Snowflake, TwoNodesNeverCollide) {
  SnowflakeGenerator a(1), b(2);
  EXPECT_NE(a.next(kNow).id, b.next(kNow).id);
}

TEST(Snowflake, IdsStayBelow2To63SoSignedStoresKeepThem) {
  SnowflakeGenerator ids(1023);
  // 2093: the 41-bit millisecond field is far from full.
  EXPECT_LT(ids.next(3'900'000'000'000).id, 1ull << 63);
}

}  // namespace natter::chat
