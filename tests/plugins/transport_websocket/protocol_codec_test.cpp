#include "protocol_codec.hpp"

#include <gtest/gtest.h>

namespace natter::ws {

namespace {

class StringSink final : public natter::ByteSink {
 public:
  void append(std::span<const std::byte> b) noexcept override {
    text.append(reinterpret_cast<const char*>(b.data()), b.size());
  }
  std::string text;
};

std::string encoded(const natter::Event& e) {
  StringSink sink;
  JsonEncoder::instance().encode(e, sink);
  return sink.text;
}

}  // namespace

TEST(ProtocolCodec, ASendDecodesWithItsRefRoomAndBody) {
  DecodedCommand d;
  decode_command(R"({"op":"send","room":"lobby","body":"hi","ref":"c1","future_field":1})", d);
  ASSERT_EQ(d.error, "");
  EXPECT_EQ(d.command.op, natter::Op::send);
  EXPECT_EQ(d.command.room, "lobby");
  EXPECT_EQ(d.command.body, "hi");
  EXPECT_EQ(d.command.ref, "c1");
}

TEST(ProtocolCodec, IdsAreDecimalStringsUpTo64Bits) {
  DecodedCommand d;
  decode_command(R"({"op":"join","room":"r","since":"18446744073709551615"})", d);
  ASSERT_EQ(d.error, "");
  EXPECT_TRUE(d.command.has_since);
  EXPECT_EQ(d.command.since, 18446744073709551615ull);

  DecodedCommand overflow;
  decode_command(R"({"op":"join","room":"r","since":"18446744073709551616"})", overflow);
  EXPECT_NE(overflow.error, "");
}

TEST(ProtocolCodec, HistoryLimitMustBePositive) {
  DecodedCommand d;
  decode_command(R"({"op":"history","room":"r","limit":0})", d);
  EXPECT_EQ(d.error, "field 'limit' must be a positive integer");
}

TEST(ProtocolCodec, AnOverlongRefIsRefusedAndNotEchoed) {
  DecodedCommand d;
  decode_command(R"({"op":"ping","ref":")" + std::string(129, 'r') + R"("})", d);
  EXPECT_EQ(d.error, "field 'ref' is longer than 128 bytes");
  EXPECT_EQ(d.ref, "");
}

TEST(ProtocolCodec, MessageIdsAreEncodedAsStrings) {
  natter::Event e;
  e.kind = natter::EventKind::message;
  e.room = "lobby";
  e.message = {9007199254740993ull, 1795781234567, "lobby", "ann", "hi \"there\""};
  EXPECT_EQ(encoded(e),
            R"({"type":"message","room":"lobby","id":"9007199254740993","ts":1795781234567,"from":"ann","body":"hi \"there\""})");
}

TEST(ProtocolCodec, ErrorsCarryTheirStableCodeAndRetryHint) {
  natter::Event e;
  e.kind = natter::EventKind::error;
  e.ref = "c9";
  e.error = natter::ErrorCode::rate_limited;
  e.error_message = "slow down";
  e.retry_after_ms = 250;
  EXPECT_EQ(encoded(e),
            R"({"type":"error","ref":"c9","code":"rate_limited","message":"slow down","retry_after_ms":250})");
}

}  // namespace natter::ws
