#include "chat/room_name.hpp"

#include <gtest/gtest.h>

namespace natter::chat {

TEST(RoomName, OrdinaryNamesAreFine) {
  EXPECT_EQ(room_name_problem("lobby", 128), "");
  EXPECT_EQ(room_name_problem("café ☕", 128), "");
}

TEST(RoomName, EmptyTooLongControlAndPaddedNamesAreRefused) {
  EXPECT_EQ(room_name_problem("", 128), "room name is empty");
  EXPECT_EQ(room_name_problem(std::string(129, 'r'), 128), "room name is 129 bytes; the limit is 128");
  EXPECT_EQ(room_name_problem("a\nb", 128), "room name contains a control character");
  EXPECT_EQ(room_name_problem(" lobby", 128), "room name starts or ends with a space");
}

TEST(RoomName, C1ControlCharactersAreRefusedLikeC0Ones) {
  EXPECT_EQ(room_name_problem("a\u0085b", 128), "room name contains a control character");  // NEL
  EXPECT_EQ(room_name_problem("a\u0080", 128), "room name contains a control character");
  EXPECT_EQ(room_name_problem("\u009f", 128), "room name contains a control character");
  EXPECT_EQ(room_name_problem("a\u00a0b", 128), "");  // no-break space: not a control
  EXPECT_EQ(room_name_problem("\u00c2\u00bf", 128), "");
}

}  // namespace natter::chat
