#include "http_answers.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <boost/beast/http/status.hpp>

#include "protocol_codec.hpp"

namespace natter::ws {

namespace {

// RFC 6455 1.3: the GUID every server appends to the client's key.
constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string accept_value(std::string_view key) {
  const std::string keyed = std::string(key) + std::string(kAcceptGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(keyed.data()), keyed.size(), digest);
  unsigned char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int size = EVP_EncodeBlock(encoded, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(size));
}

}  // namespace

std::string http_refusal(unsigned status, std::string_view body) {
  const std::string text = std::string(body) + "\n";
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " +
                    std::string(boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status))) +
                    "\r\nServer: natter\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                    std::to_string(text.size()) + "\r\n";
  if (status == 426) {
    out += "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nConnection: Upgrade, close\r\n";
  } else {
    out += "Connection: close\r\n";
  }
  return out + "\r\n" + text;
}

std::string switching_protocols(std::string_view key, bool speaks_ours) {
  std::string out =
      "HTTP/1.1 101 Switching Protocols\r\nServer: natter\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " + accept_value(key) + "\r\n";
  if (speaks_ours) out += "Sec-WebSocket-Protocol: " + std::string(kSubprotocol) + "\r\n";
  return out + "\r\n";
}

}  // namespace natter::ws
