#pragma once
// One WebSocket client: HTTP upgrade, then a read loop that decodes
// commands into the broker's session, and a write queue the broker fills
// through ClientLink. All socket work runs on the connection's strand; the
// broker's calls only touch the mutex-guarded inbox and post.

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <natter/plugin.hpp>

#include "ws_config.hpp"

namespace natter::ws {

class WsServer;

class WsConnection final : public natter::ClientLink,
                           public std::enable_shared_from_this<WsConnection> {
 public:
  WsConnection(WsServer& server, boost::asio::ip::tcp::socket socket);
  ~WsConnection();

  // Reads the upgrade request; strand.
  void start();

  // ClientLink: any thread.
  void deliver(const natter::SharedEvent& event) noexcept override;
  void close(natter::CloseCode code, std::string_view reason) noexcept override;
  void detached() noexcept override;

  // Server shutdown: say "going away" after what is queued; any thread.
  void shut_down() noexcept { close(natter::CloseCode::going_away, "server shutting down"); }
  // Server shutdown after the close timeout: drop the socket; any thread.
  void abort() noexcept;

 private:
  using Socket = boost::beast::tcp_stream;

  void on_request(boost::beast::error_code ec);
  void reject_http(unsigned status, std::string body);
  void on_accept(boost::beast::error_code ec);
  void read_next();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle_text();
  void take_inbox();
  void queue_error(std::string frame);
  void write_next();
  void on_write(boost::beast::error_code ec);
  void begin_close(natter::CloseCode code, std::string reason, bool drop_queue);
  void send_close();
  void schedule_ping();
  // The read side is done: close the broker's port exactly once.
  void end_session();

  WsServer& server_;
  const WsSettings& settings_;
  boost::beast::websocket::stream<Socket> ws_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::empty_body> request_;
  boost::asio::steady_timer ping_timer_;
  std::string remote_address_;

  natter::SessionPort* port_ = nullptr;  // strand; null before upgrade or after close
  std::shared_ptr<WsConnection> broker_hold_;  // keeps us alive until detached()

  std::mutex inbox_mutex_;
  std::vector<const natter::SharedEvent*> inbox_;  // retained; guarded by inbox_mutex_
  bool closing_inbox_ = false;                     // guarded by inbox_mutex_

  // A queued frame: a broker event (retained) or a transport-level error.
  struct Outgoing {
    const natter::SharedEvent* event = nullptr;
    std::string text;
  };
  std::deque<Outgoing> outbox_;  // strand; the front is being written
  bool writing_ = false;
  bool ping_in_flight_ = false;
  bool close_sent_ = false;
  std::optional<boost::beast::websocket::close_reason> pending_close_;
};

}  // namespace natter::ws
