#include "ws_upgrade.hpp"

#include <boost/beast/http/read.hpp>
#include <boost/asio/write.hpp>

#include "http_answers.hpp"
#include "protocol_codec.hpp"
#include "http_front.hpp"
#include "ws_server.hpp"

namespace natter::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

WsUpgrade::WsUpgrade(WsServer& server, asio::ip::tcp::socket socket)
    : server_(server), settings_(server.settings()), ws_(std::move(socket)) {}

void WsUpgrade::start() {
  auto& stream = beast::get_lowest_layer(ws_);
  stream.expires_after(std::chrono::milliseconds(settings_.handshake_timeout_ms));
  http::async_read(stream, in_, request_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_request(ec); });
}

void WsUpgrade::answer_http(std::string bytes) {
  auto answer = std::make_shared<std::string>(std::move(bytes));
  asio::async_write(beast::get_lowest_layer(ws_).socket(), asio::buffer(*answer),
                    [self = shared_from_this(), answer](beast::error_code, std::size_t) {
                      beast::error_code ignored;
                      beast::get_lowest_layer(self->ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
                    });
}

void WsUpgrade::on_request(beast::error_code ec) {
  if (ec == http::error::header_limit) {
    return answer_http(http_refusal(431, "natter: the request's header fields are larger than this server reads"));
  }
  if (ec) return;  // the client went away or was too slow to ask
  FrontAnswer front = route_request(request_, settings_, server_.site());
  if (!front.upgrade) return answer_http(std::move(front.answer));
  UpgradeVerdict& verdict = front.verdict;
  ws_.set_option(websocket::stream_base::decorator([ours = verdict.speaks_ours](websocket::response_type& response) {
    response.set(http::field::server, "natter");
    if (ours) response.set(http::field::sec_websocket_protocol, kSubprotocol);
  }));
  user_ = std::move(verdict.user);
  token_ = std::move(verdict.token);
  ws_.async_accept(request_, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void WsUpgrade::on_accept(beast::error_code ec) {
  if (ec) return;
  Upgraded upgraded;
  upgraded.user = std::move(user_);
  upgraded.token = std::move(token_);
  upgraded.early_bytes.assign(static_cast<const char*>(in_.data().data()), in_.size());
  // From here on the frames are the connection's, on the raw socket.
  beast::get_lowest_layer(ws_).expires_never();
  server_.adopt(beast::get_lowest_layer(ws_).release_socket(), std::move(upgraded));
}

}  // namespace natter::ws
