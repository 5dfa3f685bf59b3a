#include "ws_upgrade.hpp"

#include <algorithm>

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "protocol_codec.hpp"
#include "query_string.hpp"
#include "ws_server.hpp"

namespace natter::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

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

// RFC 6455, 4.1: the key is 16 random bytes, base64-encoded: 22
// characters of the base64 alphabet and "==".
bool valid_key(std::string_view key) {
  if (key.size() != 24 || !key.ends_with("==")) return false;
  return std::all_of(key.begin(), key.end() - 2, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  });
}

}  // namespace

WsUpgrade::WsUpgrade(WsServer& server, asio::ip::tcp::socket socket)
    : server_(server), settings_(server.settings()), ws_(std::move(socket)) {}

void WsUpgrade::start() {
  auto& stream = beast::get_lowest_layer(ws_);
  stream.expires_after(std::chrono::milliseconds(settings_.handshake_timeout_ms));
  http::async_read(stream, in_, request_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_request(ec); });
}

void WsUpgrade::reject_http(unsigned status, std::string body) {
  auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status),
                                                                      request_.version());
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
                      beast::get_lowest_layer(self->ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
                    });
}

void WsUpgrade::on_request(beast::error_code ec) {
  if (ec == http::error::header_limit) {
    request_.version(11);
    return reject_http(431, "natter: the request's header fields are larger than this server reads");
  }
  if (ec) return;  // the client went away or was too slow to ask
  const std::string_view target = request_.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != settings_.path) {
    return reject_http(404, "natter: no WebSocket endpoint at " + std::string(path) + "; clients connect to " +
                                settings_.path);
  }
  if (!websocket::is_upgrade(request_)) {
    return reject_http(426, "natter: this endpoint speaks WebSocket (subprotocol natter.v1)");
  }
  if (!valid_key(request_[http::field::sec_websocket_key])) {
    return reject_http(400, "natter: Sec-WebSocket-Key must be 16 bytes in base64 (RFC 6455, 4.1)");
  }
  bool offered_any = false;
  const bool ours = offers_our_protocol(request_[http::field::sec_websocket_protocol], offered_any);
  if (offered_any && !ours) {
    return reject_http(400, "natter: unsupported WebSocket subprotocol; this server speaks natter.v1");
  }
  ws_.set_option(websocket::stream_base::decorator([ours](websocket::response_type& response) {
    response.set(http::field::server, "natter");
    if (ours) response.set(http::field::sec_websocket_protocol, kSubprotocol);
  }));
  ws_.async_accept(request_, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void WsUpgrade::on_accept(beast::error_code ec) {
  if (ec) return;
  auto& socket = beast::get_lowest_layer(ws_).socket();
  Upgraded upgraded;
  beast::error_code ignored;
  const auto remote = socket.remote_endpoint(ignored);
  upgraded.remote_address = remote.address().to_string() + ":" + std::to_string(remote.port());
  const std::string_view target = request_.target();
  const auto question = target.find('?');
  const auto query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  upgraded.user = query_value(query, "user");
  upgraded.token = query_value(query, "token");
  const std::string_view authorization = request_[http::field::authorization];
  if (authorization.starts_with("Bearer ")) upgraded.token = std::string(authorization.substr(7));
  upgraded.early_bytes.assign(static_cast<const char*>(in_.data().data()), in_.size());
  // From here on the frames are the connection's, on the raw socket.
  beast::get_lowest_layer(ws_).expires_never();
  const int fd = socket.release(ec);
  if (ec) return;
  server_.adopt(fd, std::move(upgraded));
}

}  // namespace natter::ws
