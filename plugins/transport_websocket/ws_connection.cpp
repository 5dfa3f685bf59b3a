#include "ws_connection.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "protocol_codec.hpp"
#include "query_string.hpp"
#include "ws_server.hpp"

namespace natter::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

// The peer went away: not worth a log line.
bool is_disconnect(beast::error_code ec) {
  return ec == websocket::error::closed || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == asio::error::broken_pipe || ec == beast::error::timeout;
}

// Whether the client offered natter.v1, or offered nothing at all (a bare
// browser WebSocket); any other offer is refused at the upgrade.
bool offers_our_protocol(std::string_view header, bool& offered_any) {
  offered_any = false;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      offered_any = true;
      if (item == kSubprotocol) return true;
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

WsConnection::WsConnection(WsServer& server, asio::ip::tcp::socket socket)
    : server_(server),
      settings_(server.settings()),
      ws_(std::move(socket)),
      ping_timer_(ws_.get_executor()) {
  beast::error_code ec;
  auto endpoint = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
  if (!ec) remote_address_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

WsConnection::~WsConnection() {
  for (auto& item : outbox_) {
    if (item.event) item.event->release();
  }
  for (const auto* event : inbox_) event->release();
}

void WsConnection::start() {
  auto& socket = beast::get_lowest_layer(ws_);
  socket.expires_after(std::chrono::milliseconds(settings_.handshake_timeout_ms));
  http::async_read(socket, buffer_, request_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_request(ec); });
}

void WsConnection::reject_http(unsigned status, std::string body) {
  auto response = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(status), request_.version());
  response->set(http::field::server, "natter");
  response->set(http::field::content_type, "text/plain; charset=utf-8");
  if (status == 426) {
    response->set(http::field::upgrade, "websocket");
    response->set(http::field::connection, "Upgrade");
  }
  response->body() = std::move(body) + "\n";
  response->keep_alive(false);
  response->prepare_payload();
  http::async_write(beast::get_lowest_layer(ws_), *response,
                    [self = shared_from_this(), response](beast::error_code, std::size_t) {
                      beast::error_code ignored;
                      beast::get_lowest_layer(self->ws_).socket().shutdown(
                          asio::ip::tcp::socket::shutdown_both, ignored);
                    });
}

void WsConnection::on_request(beast::error_code ec) {
  if (ec) return;  // the client went away or was too slow to ask
  const std::string_view target = request_.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != settings_.path) {
    return reject_http(404, "natter: no WebSocket endpoint at " + std::string(path) +
                                "; clients connect to " + settings_.path);
  }
  if (!websocket::is_upgrade(request_)) {
    return reject_http(426, "natter: this endpoint speaks WebSocket (subprotocol natter.v1)");
  }
  bool offered_any = false;
  const bool ours = offers_our_protocol(request_[http::field::sec_websocket_protocol], offered_any);
  if (offered_any && !ours) {
    return reject_http(400, "natter: unsupported WebSocket subprotocol; this server speaks natter.v1");
  }
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeout{};
  timeout.handshake_timeout = std::chrono::milliseconds(settings_.handshake_timeout_ms);
  timeout.idle_timeout = std::chrono::milliseconds(settings_.idle_timeout_ms);
  timeout.keep_alive_pings = false;  // our own timer pings at ping_interval_ms
  ws_.set_option(timeout);
  ws_.set_option(websocket::stream_base::decorator([ours](websocket::response_type& response) {
    response.set(http::field::server, "natter");
    if (ours) response.set(http::field::sec_websocket_protocol, kSubprotocol);
  }));
  ws_.read_message_max(settings_.max_message_bytes);
  ws_.async_accept(request_, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void WsConnection::on_accept(beast::error_code ec) {
  if (ec) return;
  auto self = shared_from_this();
  if (!server_.admit(self)) {
    begin_close(natter::CloseCode::going_away, "server shutting down", true);
    return;
  }
  const std::string_view target = request_.target();
  const auto query = target.find('?') == std::string_view::npos ? std::string_view()
                                                                 : target.substr(target.find('?') + 1);
  const std::string user = query_value(query, "user");
  std::string token = query_value(query, "token");
  std::string_view authorization = request_[http::field::authorization];
  if (authorization.starts_with("Bearer ")) token = std::string(authorization.substr(7));
  broker_hold_ = self;
  port_ = server_.broker().open_session(*this, {"websocket", remote_address_, user, token});
  ws_.text(true);
  schedule_ping();
  read_next();
}

void WsConnection::read_next() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
    self->on_read(ec, bytes);
  });
}

void WsConnection::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    // Beast has already answered protocol violations with their close code
    // (1009 for an oversized frame, 1007 for invalid UTF-8).
    if (!is_disconnect(ec) && ec != websocket::error::message_too_big &&
        server_.host().log_enabled(natter::LogLevel::debug)) {
      server_.host().log(natter::LogLevel::debug, remote_address_ + ": " + ec.message());
    }
    end_session();
    return;
  }
  if (!ws_.got_text()) {
    buffer_.consume(buffer_.size());
    begin_close(natter::CloseCode(1003), "natter.v1 uses text frames", true);
  } else {
    handle_text();
  }
  read_next();
}

void WsConnection::handle_text() {
  const auto data = buffer_.cdata();
  DecodedCommand decoded;
  decode_command({static_cast<const char*>(data.data()), data.size()}, decoded);
  if (decoded.error.empty()) {
    if (port_) port_->submit(decoded.command);
  } else {
    server_.broker().count_bad_request();
    queue_error(encode_error(decoded.ref, natter::ErrorCode::bad_request, decoded.error));
  }
  buffer_.consume(buffer_.size());
}

void WsConnection::end_session() {
  ping_timer_.cancel();
  if (!port_) return;
  std::exchange(port_, nullptr)->close();
  server_.session_closed(this);
}

void WsConnection::deliver(const natter::SharedEvent& event) noexcept {
  bool first = false;
  {
    std::lock_guard lock(inbox_mutex_);
    if (closing_inbox_) return;
    event.retain();
    try {
      inbox_.push_back(&event);
    } catch (...) {
      event.release();
      return;
    }
    first = inbox_.size() == 1;
  }
  // One post per batch of events, not per event.
  if (first) asio::post(ws_.get_executor(), [self = shared_from_this()] { self->take_inbox(); });
}

void WsConnection::take_inbox() {
  std::vector<const natter::SharedEvent*> arrived;
  {
    std::lock_guard lock(inbox_mutex_);
    arrived.swap(inbox_);
  }
  for (const auto* event : arrived) outbox_.push_back({event, {}});
  if (pending_close_ || close_sent_) {
    // Closing: what arrives now will not be written.
    while (outbox_.size() > (writing_ ? 1u : 0u)) {
      if (outbox_.back().event) outbox_.back().event->release();
      outbox_.pop_back();
    }
    return;
  }
  if (outbox_.size() > settings_.max_outbound_queue) {
    server_.lagging_disconnects().add(1);
    begin_close(natter::CloseCode::policy,
                "client too slow: more than " + std::to_string(settings_.max_outbound_queue) +
                    " events queued",
                true);
    return;
  }
  write_next();
}

void WsConnection::queue_error(std::string frame) {
  if (pending_close_ || close_sent_) return;
  outbox_.push_back({nullptr, std::move(frame)});
  write_next();
}

void WsConnection::write_next() {
  if (writing_) return;
  if (outbox_.empty()) {
    if (pending_close_) send_close();
    return;
  }
  writing_ = true;
  const Outgoing& item = outbox_.front();
  asio::const_buffer bytes = asio::buffer(item.text);
  if (item.event) {
    const auto encoded = item.event->encoded(JsonEncoder::instance());
    bytes = asio::const_buffer(encoded.data(), encoded.size());
  }
  ws_.async_write(bytes, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->on_write(ec);
  });
}

void WsConnection::on_write(beast::error_code ec) {
  writing_ = false;
  if (outbox_.front().event) outbox_.front().event->release();
  outbox_.pop_front();
  if (ec) return;  // the read side sees the failure too and ends the session
  write_next();
}

void WsConnection::close(natter::CloseCode code, std::string_view reason) noexcept {
  try {
    asio::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::string(reason)] {
      self->begin_close(code, reason, false);
    });
  } catch (...) {
  }
}

void WsConnection::begin_close(natter::CloseCode code, std::string reason, bool drop_queue) {
  if (pending_close_ || close_sent_) return;
  {
    std::lock_guard lock(inbox_mutex_);
    closing_inbox_ = true;
  }
  if (drop_queue) {
    while (outbox_.size() > (writing_ ? 1u : 0u)) {
      if (outbox_.back().event) outbox_.back().event->release();
      outbox_.pop_back();
    }
  }
  // Close reasons are limited to 123 bytes by RFC 6455.
  if (reason.size() > 123) reason.resize(123);
  pending_close_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
  take_inbox();
  write_next();
}

void WsConnection::send_close() {
  if (close_sent_ || !ws_.is_open()) return;
  close_sent_ = true;
  ws_.async_close(*pending_close_, [self = shared_from_this()](beast::error_code) {
    // The read loop sees the close completing and ends the session.
  });
}

void WsConnection::schedule_ping() {
  ping_timer_.expires_after(std::chrono::milliseconds(settings_.ping_interval_ms));
  ping_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || !self->port_ || self->close_sent_) return;
    if (!self->ping_in_flight_) {
      self->ping_in_flight_ = true;
      self->ws_.async_ping({}, [self](beast::error_code) { self->ping_in_flight_ = false; });
    }
    self->schedule_ping();
  });
}

void WsConnection::detached() noexcept {
  try {
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->broker_hold_.reset(); });
  } catch (...) {
  }
}

void WsConnection::abort() noexcept {
  try {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      beast::get_lowest_layer(self->ws_).cancel();
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().close(ignored);
    });
  } catch (...) {
  }
}

}  // namespace natter::ws
