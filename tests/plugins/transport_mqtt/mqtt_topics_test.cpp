// Which topics carry a device's commands, and what Mosquitto's notices say.
#include "mqtt_topics.hpp"

#include <gtest/gtest.h>

namespace natter::mqtt {
namespace {

TEST(MqttTopics, ACommandTopicNamesUserAndDevice) {
  const auto topic = parse_inbound("natter", "natter/in/alice/phone");
  ASSERT_TRUE(topic);
  EXPECT_EQ(topic->user, "alice");
  EXPECT_EQ(topic->device, "phone");
  EXPECT_FALSE(topic->bye);
  const auto bye = parse_inbound("natter", "natter/in/alice/phone/bye");
  ASSERT_TRUE(bye);
  EXPECT_TRUE(bye->bye);
}

TEST(MqttTopics, OtherTopicsAreNotCommands) {
  for (const char* topic : {"natter/in/alice", "natter/in//phone", "natter/in/alice/phone/", "natter/in/alice/phone/x",
                            "natter/in/a/b/bye/more", "natter/out/alice/phone", "natterx/in/alice/phone",
                            "other/in/alice/phone"}) {
    EXPECT_FALSE(parse_inbound("natter", topic)) << topic;
  }
  EXPECT_EQ(outbound_topic("chat", "alice", "phone"), "chat/out/alice/phone");
  EXPECT_EQ(inbound_filter("chat"), "chat/in/#");
}

TEST(MqttTopics, ReadsMosquittosConnectAndDisconnectNotices) {
  const auto connected =
      parse_notice("1796480429: New client connected from 127.0.0.1:42010 as dev 1 (p2, c1, k60, u'alice').");
  ASSERT_TRUE(connected);
  EXPECT_EQ(connected->kind, ClientNotice::Kind::connected);
  EXPECT_EQ(connected->client_id, "dev 1");
  EXPECT_EQ(connected->address, "127.0.0.1:42010");
  for (const char* text : {"1796480429: Client dev 1 disconnected.", "1796480429: Client dev 1 closed its connection.",
                           "1796480429: Client dev 1 has exceeded timeout, disconnecting."}) {
    const auto gone = parse_notice(text);
    ASSERT_TRUE(gone) << text;
    EXPECT_EQ(gone->kind, ClientNotice::Kind::disconnected);
    EXPECT_EQ(gone->client_id, "dev 1");
  }
  // A client id crafted to look like a notice is still one id.
  const auto crafted = parse_notice("1: Client bob disconnected. disconnected.");
  ASSERT_TRUE(crafted);
  EXPECT_EQ(crafted->client_id, "bob disconnected.");
  EXPECT_FALSE(parse_notice("1796480429: New connection from 127.0.0.1:42010 on port 1883."));
}

}  // namespace
}  // namespace natter::mqtt
