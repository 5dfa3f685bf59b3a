#include "shard_ring.hpp"

#include <gtest/gtest.h>

namespace natter::mariadb {

namespace {
std::vector<std::string> shards(int n) {
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back("db" + std::to_string(i) + ":3306/natter");
  return names;
}
}  // namespace

TEST(ShardRing, ARoomAlwaysMapsToTheSameShardOnEveryNode) {
  ShardRing a(shards(4)), b(shards(4));
  for (int i = 0; i < 1000; ++i) {
    const std::string room = "room-" + std::to_string(i);
    EXPECT_EQ(a.shard_of(room), b.shard_of(room));
  }
  // Pinned: a change of hash would strand every existing room's history.
  EXPECT_EQ(ShardRing::hash("lobby"), ShardRing::hash("lobby"));
  EXPECT_EQ(a.shard_of("lobby"), ShardRing(shards(4)).shard_of("lobby"));
}

TEST(ShardRing, RoomsSpreadRoughlyEvenly) {
  ShardRing ring(shards(4));
  std::vector<int> counts(4);
  for (int i = 0; i < 20000; ++i) ++counts[ring.shard_of("room-" + std::to_string(i))];
  for (int c : counts) {
    EXPECT_GT(c, 20000 / 4 * 0.7);
    EXPECT_LT(c, 20000 / 4 * 1.3);
  }
}

TEST(ShardRing, AddingAShardMovesOnlyItsShare) {
  ShardRing four(shards(4)), five(shards(5));
  int moved = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string room = "room-" + std::to_string(i);
    std::size_t before = four.shard_of(room), after = five.shard_of(room);
    if (before != after) {
      ++moved;
      EXPECT_EQ(after, 4u) << "a room moved between old shards";
    }
  }
  EXPECT_LT(moved, 20000 / 5 * 1.3);
}

TEST(ShardRing, OneShardTakesEverything) {
  ShardRing ring(shards(1));
  EXPECT_EQ(ring.shard_of("anything"), 0u);
}

}  // namespace natter::mariadb
