#include "admin/admin_listener.hpp"

#include <pthread.h>

#include <natter/abi.hpp>

#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace natter::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kRequestTimeout = std::chrono::seconds(10);
constexpr std::uint64_t kBodyLimit = 64 * 1024;  // a broadcast's text and its JSON

// One request, one response, then close: scrapers and probes open a
// connection per request anyway, and this keeps the listener tiny.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  using Request = http::request<http::string_body>;
  using Responder = std::function<http::response<http::string_body>(const Request&)>;
  Exchange(tcp::socket socket, const Responder& respond) : stream_(std::move(socket)), respond_(respond) {
    parser_.body_limit(kBodyLimit);
  }

  void start() {
    stream_.expires_after(kRequestTimeout);
    http::async_read(stream_, buffer_, parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->response_ = self->respond_(self->parser_.get());
      self->response_.prepare_payload();
      http::async_write(self->stream_, self->response_, [self](beast::error_code, std::size_t) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      });
    });
  }

 private:
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> response_;
  const Responder& respond_;
};

}  // namespace

struct AdminListener::Impl {
  asio::io_context context{1};
  tcp::acceptor acceptor{context};
  std::thread thread;
  Exchange::Responder respond;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Exchange>(std::move(socket), respond)->start();
      accept();
    });
  }
};

AdminListener::AdminListener(const std::string& host, unsigned port, const runtime::MetricsRegistry& metrics)
    : impl_(std::make_unique<Impl>()) {
  impl_->respond = [this, &metrics](const Exchange::Request& request) {
    http::response<http::string_body> response{http::status::ok, request.version()};
    response.set(http::field::server, "natter");
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.keep_alive(false);
    const std::string_view target = request.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (path.starts_with("/v1/")) {
      response.set(http::field::content_type, "application/json");
      AdminApi* api = api_.load();
      if (!api) {
        response.result(http::status::service_unavailable);
        response.body() = json_error("natterd is starting") + "\n";
        return response;
      }
      const AdminReply reply = api->handle(request.method_string(), target, request[http::field::authorization],
                                           request.body());
      response.result(static_cast<http::status>(reply.status));
      response.body() = reply.json + "\n";
      return response;
    }
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      response.result(http::status::method_not_allowed);
      response.body() = "GET only\n";
    } else if (path == "/healthz") {
      response.body() = "ok\n";
    } else if (path == "/readyz") {
      const bool ready = ready_.load();
      response.result(ready ? http::status::ok : http::status::service_unavailable);
      response.body() = ready ? "ready\n" : "not ready\n";
    } else if (path == "/metrics") {
      response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      response.body() = "# HELP natter_build_info natterd version and plugin ABI\n"
                        "# TYPE natter_build_info gauge\n"
                        "natter_build_info{version=\"" NATTER_VERSION "\",abi=\"" +
                        std::to_string(natter::kAbiMajor) + "." + std::to_string(natter::kAbiMinor) + "\"} 1\n" + metrics.render();
    } else {
      response.result(http::status::not_found);
      response.body() = "natter admin: /healthz, /readyz, /metrics, /v1 (natterctl)\n";
    }
    return response;
  };
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("admin address '" + host + "' is not an IP address");
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->context.run(); });
  pthread_setname_np(impl_->thread.native_handle(), "natter-admin");  // before anyone can look
}

AdminListener::~AdminListener() {
  impl_->context.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

unsigned AdminListener::port() const noexcept {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

}  // namespace natter::admin
