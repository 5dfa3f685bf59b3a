#include "ws_frames.hpp"

#include <gtest/gtest.h>

namespace natter::ws {

namespace {
// A masked client frame, as a browser would send it.
std::string client_frame(std::uint8_t first, std::string_view payload, std::uint32_t mask = 0x11223344) {
  std::string f;
  f.push_back(static_cast<char>(first));
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(0x80 | payload.size()));
  } else {
    f.push_back(static_cast<char>(0x80 | 126));
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xff));
  }
  f.append(reinterpret_cast<const char*>(&mask), 4);
  std::string body(payload);
  unmask(reinterpret_cast<unsigned char*>(body.data()), body.size(), mask);  // XOR is its own inverse
  return f + body;
}
}  // namespace

TEST(WsFrames, AMaskedTextFrameParsesAndUnmasks) {
  std::string f = client_frame(0x81, "hello");
  ClientFrame frame;
  ASSERT_EQ(parse_client_header(reinterpret_cast<const unsigned char*>(f.data()), f.size(), frame), FrameStatus::complete);
  EXPECT_TRUE(frame.fin);
  EXPECT_EQ(frame.opcode, Opcode::text);
  EXPECT_EQ(frame.payload_bytes, 5u);
  auto* payload = reinterpret_cast<unsigned char*>(f.data() + frame.header_bytes);
  unmask(payload, 2, frame.mask, 0);  // in two pieces, as reads may deliver it
  unmask(payload + 2, 3, frame.mask, 2);
  EXPECT_EQ(f.substr(frame.header_bytes), "hello");
}

TEST(WsFrames, PartialHeadersAskForMore) {
  std::string f = client_frame(0x81, std::string(300, 'x'));
  ClientFrame frame;
  for (std::size_t cut = 0; cut < 8; ++cut) {
    EXPECT_EQ(parse_client_header(reinterpret_cast<const unsigned char*>(f.data()), cut, frame), FrameStatus::need_more);
  }
  EXPECT_EQ(parse_client_header(reinterpret_cast<const unsigned char*>(f.data()), 8, frame), FrameStatus::complete);
  EXPECT_EQ(frame.payload_bytes, 300u);
}

TEST(WsFrames, ProtocolViolationsAreRefused) {
  ClientFrame frame;
  auto parse = [&](std::string f) {
    return parse_client_header(reinterpret_cast<const unsigned char*>(f.data()), f.size(), frame);
  };
  EXPECT_EQ(parse("\x81\x05hello"), FrameStatus::protocol_error) << "unmasked";
  EXPECT_EQ(parse(client_frame(0xC1, "x")), FrameStatus::protocol_error) << "reserved bit";
  EXPECT_EQ(parse(client_frame(0x83, "x")), FrameStatus::protocol_error) << "reserved opcode";
  EXPECT_EQ(parse(client_frame(0x09, "x")), FrameStatus::protocol_error) << "fragmented ping";
  EXPECT_EQ(parse(client_frame(0x89, std::string(126, 'p'))), FrameStatus::protocol_error) << "long ping";
}

TEST(WsFrames, ServerHeadersUseTheShortestLength) {
  std::string h;
  append_server_header(h, Opcode::text, 5);
  EXPECT_EQ(h, std::string("\x81\x05", 2));
  h.clear();
  append_server_header(h, Opcode::text, 300);
  EXPECT_EQ(h, std::string("\x81\x7e\x01\x2c", 4));
  h.clear();
  append_server_header(h, Opcode::binary, 70000);
  EXPECT_EQ(h.size(), 10u);
  EXPECT_EQ(close_frame(1001, "bye"), std::string("\x88\x05\x03\xe9" "bye", 7));
}

TEST(WsFrames, Utf8ValidationRejectsWhatRfc3629Forbids) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("héllo 漢字 👋🏽"));
  EXPECT_FALSE(valid_utf8("\xff\xfe"));
  EXPECT_FALSE(valid_utf8("\xc0\xaf")) << "overlong";
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80")) << "surrogate";
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80")) << "past U+10FFFF";
  EXPECT_FALSE(valid_utf8("\xe6\xbc")) << "truncated";
}

}  // namespace natter::ws
