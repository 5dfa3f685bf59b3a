#include "chat/bus_codec.hpp"

#include <gtest/gtest.h>

namespace natter::chat {

TEST(BusCodec, AMessageSurvivesTheRoundTrip) {
  natter::MessageView m{42, 1795781234567, "lobby", "ann", "héllo \xF0\x9F\x91\x8B"};
  auto bytes = encode_bus_message(3, m);
  auto decoded = decode_bus_message(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->origin_node, 3u);
  EXPECT_EQ(decoded->message.id, 42u);
  EXPECT_EQ(decoded->message.ts_ms, 1795781234567);
  EXPECT_EQ(decoded->message.room, "lobby");
  EXPECT_EQ(decoded->message.sender, "ann");
  EXPECT_EQ(decoded->message.body, m.body);
}

TEST(BusCodec, TruncatedOrForeignPayloadsAreRefused) {
  auto bytes = encode_bus_message(1, {1, 2, "r", "s", "b"});
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(decode_bus_message(std::span(bytes).first(cut))) << "cut at " << cut;
  }
  bytes[0] = std::byte{9};  // another format version
  EXPECT_FALSE(decode_bus_message(bytes));
}

}  // namespace natter::chat
