// The bytes natter writes itself on the upgrade path: what a browser or a
// curl user reads when natter refuses them, and the 101 a TLS listener
// sends, whose accept value a client checks before it says a word.
#include "http_answers.hpp"

#include <gtest/gtest.h>

namespace natter::ws {
namespace {

TEST(HttpAnswers, TheAcceptValueIsRfc6455sOwnExample) {
  // RFC 6455 1.3: key "dGhlIHNhbXBsZSBub25jZQ==" gives "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
  const std::string answer = switching_protocols("dGhlIHNhbXBsZSBub25jZQ==", true);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
  EXPECT_NE(answer.find("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos);
  EXPECT_NE(answer.find("\r\nSec-WebSocket-Protocol: natter.v1\r\n"), std::string::npos);
  EXPECT_TRUE(answer.ends_with("\r\n\r\n"));
}

TEST(HttpAnswers, NoSubprotocolIsNamedWhenTheClientOfferedNone) {
  EXPECT_EQ(switching_protocols("dGhlIHNhbXBsZSBub25jZQ==", false).find("Sec-WebSocket-Protocol"), std::string::npos);
}

TEST(HttpAnswers, ARefusalCarriesItsReasonAndCloses) {
  const std::string answer = http_refusal(404, "natter: no WebSocket endpoint at /x");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_NE(answer.find("\r\nConnection: close\r\n"), std::string::npos);
  EXPECT_NE(answer.find("\r\nContent-Length: 36\r\n"), std::string::npos);  // the reason and a newline
  EXPECT_TRUE(answer.ends_with("\r\n\r\nnatter: no WebSocket endpoint at /x\n"));
}

TEST(HttpAnswers, A426SaysWhichVersionToAskFor) {
  const std::string answer = http_refusal(426, "natter: WebSocket only");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
  EXPECT_NE(answer.find("\r\nSec-WebSocket-Version: 13\r\n"), std::string::npos);
  EXPECT_NE(answer.find("\r\nUpgrade: websocket\r\n"), std::string::npos);
}

TEST(HttpAnswers, A431HasItsStandardReason) {
  EXPECT_TRUE(http_refusal(431, "too big").starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
}

}  // namespace
}  // namespace natter::ws
