#include "tls_upgrade.hpp"

#include <boost/beast/http/error.hpp>

#include "http_answers.hpp"
#include "tls_context.hpp"
#include "http_front.hpp"
#include "ws_server.hpp"

namespace natter::ws {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Status = TlsChannel::Status;

namespace {

// As much header as a plain listener reads (Beast's default); more is 431.
constexpr std::uint32_t kHeaderLimit = 8 * 1024;

}  // namespace

TlsUpgrade::TlsUpgrade(WsServer& server, tcp::socket socket)
    : server_(server), socket_(std::move(socket)), deadline_(socket_.get_executor()) {}

void TlsUpgrade::start() {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  if (ec) return drop();
  ssl_st* session = server_.tls()->new_session();
  if (!session) return drop();
  tls_ = std::make_unique<TlsChannel>(session, socket_.native_handle());
  parser_.header_limit(kHeaderLimit);
  deadline_.expires_after(std::chrono::milliseconds(server_.settings().handshake_timeout_ms));
  deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->drop();  // too slow to shake hands or to ask
  });
  advance();
}

void TlsUpgrade::advance() {
  if (phase_ == Phase::handshake) {
    const Status status = tls_->handshake();
    if (status != Status::done) return wait_for(status);
    phase_ = Phase::request;
  }
  if (phase_ == Phase::request) {
    Status status = Status::done;
    if (!read_request(status)) return wait_for(status);
  }
  while (answered_ < answer_.size()) {
    const auto io = tls_->write(answer_.data() + answered_, answer_.size() - answered_);
    if (io.status != Status::done) return wait_for(io.status);
    answered_ += io.bytes;
  }
  if (refused_) {
    tls_->close_notify();
    return drop();
  }
  hand_over();
}

bool TlsUpgrade::read_request(Status& status) {
  char buffer[4096];
  while (true) {
    if (!input_.empty()) {
      boost::beast::error_code ec;
      const std::size_t used = parser_.put(asio::buffer(input_), ec);
      input_.erase(0, used);
      if (ec == http::error::header_limit) {
        refuse(431, "natter: the request's header fields are larger than this server reads");
        return true;
      }
      if (ec && ec != http::error::need_more) {
        refuse(400, "natter: not an HTTP request this server understands");
        return true;
      }
      if (!ec && parser_.is_header_done()) {
        decide();
        return true;
      }
    }
    const auto io = tls_->read(buffer, sizeof buffer);
    if (io.status != Status::done) {
      status = io.status;
      return false;
    }
    input_.append(buffer, io.bytes);
  }
}

void TlsUpgrade::decide() {
  phase_ = Phase::answer;
  FrontAnswer front = route_request(parser_.get(), server_.settings(), server_.site());
  if (!front.upgrade) {
    refused_ = true;
    answer_ = std::move(front.answer);
    return;
  }
  UpgradeVerdict& verdict = front.verdict;
  answer_ = switching_protocols(parser_.get()[http::field::sec_websocket_key], verdict.speaks_ours);
  upgraded_.user = std::move(verdict.user);
  upgraded_.token = std::move(verdict.token);
  upgraded_.early_bytes = std::move(input_);  // frames the client sent right behind its request
}

void TlsUpgrade::refuse(unsigned status, std::string reason) {
  phase_ = Phase::answer;
  refused_ = true;
  answer_ = http_refusal(status, reason);
}

void TlsUpgrade::wait_for(Status status) {
  if (status != Status::want_read && status != Status::want_write) {
    if (phase_ == Phase::handshake) {
      server_.count_tls_failure();
      if (tls_->spoke_plain_http()) {
        // As nginx does: say so in plain HTTP rather than reset a lost user.
        const std::string answer = http_refusal(400, "natter: this port speaks TLS; connect with wss://");
        boost::system::error_code ignored;
        socket_.write_some(asio::buffer(answer), ignored);  // small: the socket takes it at once
      }
    }
    return drop();  // the client went away, or offered no TLS we speak
  }
  socket_.async_wait(status == Status::want_read ? tcp::socket::wait_read : tcp::socket::wait_write,
                     [self = shared_from_this()](boost::system::error_code ec) {
                       if (!ec) self->advance();
                     });
}

void TlsUpgrade::hand_over() {
  deadline_.cancel();
  upgraded_.tls = std::move(tls_);
  server_.adopt(std::move(socket_), std::move(upgraded_));
}

void TlsUpgrade::drop() {
  deadline_.cancel();
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace natter::ws
