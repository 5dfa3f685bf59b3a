#include "chat/history_merge.hpp"

#include <gtest/gtest.h>

namespace natter::chat {

namespace {
StoredMessage msg(std::uint64_t id) { return {id, 0, "r", "u", "m" + std::to_string(id)}; }
std::vector<std::uint64_t> ids(const std::vector<StoredMessage>& page) {
  std::vector<std::uint64_t> out;
  for (const auto& m : page) out.push_back(m.id);
  return out;
}
}  // namespace

TEST(HistoryMerge, UncommittedRecentMessagesJoinTheStoredOnesWithoutDuplicates) {
  std::vector<StoredMessage> stored = {msg(1), msg(2), msg(3)};
  std::deque<StoredMessage> recent = {msg(3), msg(4), msg(5)};
  auto page = merge_history_page({"r", 0, 0, 10}, stored, &recent);
  EXPECT_EQ(ids(page), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
}

TEST(HistoryMerge, ScrollbackKeepsTheNewestBeforeTheBound) {
  std::vector<StoredMessage> stored = {msg(1), msg(2), msg(3), msg(4)};
  std::deque<StoredMessage> recent = {msg(5), msg(6)};
  EXPECT_EQ(ids(merge_history_page({"r", 6, 0, 3}, stored, &recent)),
            (std::vector<std::uint64_t>{3, 4, 5}));
}

TEST(HistoryMerge, RecoveryKeepsTheOldestAfterTheMark) {
  std::vector<StoredMessage> stored = {msg(2), msg(3)};
  std::deque<StoredMessage> recent = {msg(4), msg(5), msg(6)};
  EXPECT_EQ(ids(merge_history_page({"r", 0, 2, 3}, stored, &recent)),
            (std::vector<std::uint64_t>{3, 4, 5}));
}

TEST(HistoryMerge, NoRecentRoomIsFine) {
  std::vector<StoredMessage> stored = {msg(1)};
  EXPECT_EQ(ids(merge_history_page({"r", 0, 0, 10}, stored, nullptr)), (std::vector<std::uint64_t>{1}));
}

}  // namespace natter::chat
