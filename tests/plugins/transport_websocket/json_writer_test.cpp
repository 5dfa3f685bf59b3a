// JsonWriter writes what Boost.JSON's serializer writes for the same
// object - the events clients parse must not change when the encoder
// stops building documents.

#include "json_writer.hpp"

#include <limits>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace natter::ws {
namespace {

std::string every_ascii_byte() {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all += static_cast<char>(c);
  return all;
}

TEST(JsonWriter, EscapesStringsExactlyAsBoostJsonDoes) {
  const std::string samples[] = {
      "",  "plain", every_ascii_byte(), "quote \" and backslash \\", "tab\tnew\nline\rfeed\fback\b",
      "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",  // é, €, an emoji: passed through
      "</script>",  // a solidus is not escaped
  };
  for (const std::string& s : samples) {
    std::string out;
    JsonWriter(out).string(s);
    EXPECT_EQ(out, boost::json::serialize(boost::json::string(s))) << "for " << boost::json::serialize(boost::json::string(s));
  }
}

TEST(JsonWriter, WritesObjectsArraysAndNumbersAsBoostJsonDoes) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .member("type", "history")
      .member("ts", std::int64_t{-1700000000000})
      .member("big", std::numeric_limits<std::uint64_t>::max())
      .key("members")
      .begin_array()
      .string("ann")
      .string("bob")
      .end_array()
      .key("messages")
      .begin_array()
      .begin_object()
      .member("id", "1")
      .end_object()
      .begin_object()
      .end_object()
      .end_array()
      .key("empty")
      .begin_array()
      .end_array()
      .end_object();

  boost::json::object o;
  o["type"] = "history";
  o["ts"] = std::int64_t{-1700000000000};
  o["big"] = std::numeric_limits<std::uint64_t>::max();
  o["members"] = boost::json::array{"ann", "bob"};
  o["messages"] = boost::json::array{boost::json::object{{"id", "1"}}, boost::json::object{}};
  o["empty"] = boost::json::array{};
  EXPECT_EQ(out, boost::json::serialize(o));
  EXPECT_NO_THROW((void)boost::json::parse(out));
}

}  // namespace
}  // namespace natter::ws
