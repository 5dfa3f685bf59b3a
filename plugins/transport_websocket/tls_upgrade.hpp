#pragma once
// The TLS listener's counterpart of WsUpgrade, on the upgrade thread: the
// TLS handshake, then the HTTP upgrade request read through it (Beast's
// parser, natter's check_upgrade), then natter's own 101 or refusal, all
// within handshake_timeout_ms. The TLS session is not Asio's: it is the
// TlsChannel the connection keeps using on its I/O thread, which reads and
// writes the raw socket itself.

#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include "tls_channel.hpp"
#include "upgraded.hpp"

namespace natter::ws {

class WsServer;

class TlsUpgrade : public std::enable_shared_from_this<TlsUpgrade> {
 public:
  TlsUpgrade(WsServer& server, boost::asio::ip::tcp::socket socket);
  // Starts the handshake; upgrade thread.
  void start();

 private:
  enum class Phase { handshake, request, answer };
  // Goes as far as the socket allows, then waits for it.
  void advance();
  // Reads until the request is complete; false while it needs more.
  bool read_request(TlsChannel::Status& status);
  // What the complete request gets: the 101 or a refusal.
  void decide();
  void refuse(unsigned status, std::string reason);
  void wait_for(TlsChannel::Status status);
  void hand_over();
  void drop();

  WsServer& server_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer deadline_;
  std::unique_ptr<TlsChannel> tls_;
  boost::beast::http::request_parser<boost::beast::http::empty_body> parser_;
  Phase phase_ = Phase::handshake;
  std::string input_;   // decrypted bytes the parser has not taken yet
  std::string answer_;  // what we write back
  std::size_t answered_ = 0;
  bool refused_ = false;
  Upgraded upgraded_;
};

}  // namespace natter::ws
