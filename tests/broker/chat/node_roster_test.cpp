#include "chat/node_roster.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace natter::chat {

using namespace std::chrono_literals;
using Changes = std::vector<std::pair<std::string, bool>>;

const NodeRoster::Clock::time_point kStart{};

TEST(NodeRoster, AUserIsOnlineElsewhereWhileAnyLiveNodeHoldsThem) {
  NodeRoster roster(3s);
  roster.heard_from(2, kStart, 1000);
  roster.heard_from(3, kStart, 1000);
  EXPECT_TRUE(roster.add(2, "ann"));   // first node with ann
  EXPECT_FALSE(roster.add(3, "ann"));  // a second device elsewhere: no change
  EXPECT_FALSE(roster.remove(2, "ann"));
  EXPECT_TRUE(roster.online_elsewhere("ann"));
  EXPECT_TRUE(roster.remove(3, "ann"));
  EXPECT_FALSE(roster.online_elsewhere("ann"));
}

TEST(NodeRoster, ASnapshotReplacesWhatANodeSaidBefore) {
  NodeRoster roster(3s);
  roster.heard_from(2, kStart, 1000);
  roster.add(2, "ann");
  roster.add(2, "bob");
  EXPECT_EQ(roster.replace(2, {"bob", "cy"}), (Changes{{"ann", false}, {"cy", true}}));
  EXPECT_FALSE(roster.online_elsewhere("ann"));
  EXPECT_TRUE(roster.online_elsewhere("cy"));
}

TEST(NodeRoster, ASilentNodeIsGivenUpWithTheUsersOnlyItHeld) {
  NodeRoster roster(3s);
  EXPECT_TRUE(roster.heard_from(2, kStart, 1000));
  EXPECT_FALSE(roster.heard_from(2, kStart + 1s, 2000));
  roster.heard_from(3, kStart + 1s, 2000);
  roster.add(2, "ann");
  roster.add(2, "bob");
  roster.add(3, "bob");
  EXPECT_TRUE(roster.expire(kStart + 4s).empty());  // 3 s since node 2 was heard: not yet
  roster.heard_from(3, kStart + 4s, 5000);
  const auto gone = roster.expire(kStart + 4s + 1ms);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].node, 2u);
  EXPECT_EQ(gone[0].last_heard_unix_ms, 2000);
  EXPECT_EQ(gone[0].users, std::vector<std::string>{"ann"});  // bob lives on node 3
  EXPECT_FALSE(roster.online_elsewhere("ann"));
  EXPECT_TRUE(roster.online_elsewhere("bob"));
  EXPECT_EQ(roster.nodes(), 1u);
  EXPECT_TRUE(roster.heard_from(2, kStart + 5s, 6000));  // back: known anew
}

}  // namespace natter::chat
