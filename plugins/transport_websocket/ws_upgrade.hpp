#pragma once
// The HTTP side of a WebSocket connection, on the transport's upgrade
// thread: reads the upgrade request within handshake_timeout_ms, answers
// a request for the web page, refuses what natter does not serve, lets
// Beast answer the rest, then hands the
// raw socket to the server, which gives it to a WsConnection on one of the
// I/O threads. What the upgrade needed (Beast's stream, the request) is
// freed by then, and lived on another thread's malloc arena than the
// long-lived connections, so a connection storm leaves no heap behind
// fragmented by its short-lived allocations.

#include <memory>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "upgraded.hpp"
#include "ws_config.hpp"

namespace natter::ws {

class WsServer;

class WsUpgrade : public std::enable_shared_from_this<WsUpgrade> {
 public:
  WsUpgrade(WsServer& server, boost::asio::ip::tcp::socket socket);
  // Reads the request; upgrade thread.
  void start();

 private:
  void on_request(boost::beast::error_code ec);
  // Writes a whole HTTP answer (a page, a refusal), then closes.
  void answer_http(std::string bytes);
  void on_accept(boost::beast::error_code ec);

  WsServer& server_;
  const WsSettings& settings_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer in_;
  boost::beast::http::request<boost::beast::http::empty_body> request_;
  std::string user_, token_;  // as the accepted request gave them
};

}  // namespace natter::ws
