#include "ws_server.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include "tls_upgrade.hpp"
#include "ws_connection.hpp"
#include "ws_upgrade.hpp"

namespace natter::ws {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::unique_ptr<TlsContext> tls_context(const natter::PluginConfig& config, const WsSettings& settings) {
  if (!settings.tls) return nullptr;
  try {
    return std::make_unique<TlsContext>(*settings.tls);
  } catch (const std::runtime_error& e) {
    throw natter::ConfigError(config, "tls_cert", e.what());
  }
}

// Where the package (and the build tree) puts the chat page: share/natter/web
// beside the lib/natter/plugins directory this plugin was loaded from.
std::string installed_web_root() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<const void*>(&installed_web_root), &info) || !info.dli_fname) return {};
  const std::filesystem::path plugin(info.dli_fname);
  return (plugin.parent_path() / "../../../share/natter/web").lexically_normal().string();
}

std::unique_ptr<WebSite> web_site(natter::Host& host, const natter::PluginConfig& config, const WsSettings& settings) {
  if (!settings.web) return nullptr;
  if (!settings.web_root.empty()) {
    try {
      return std::make_unique<WebSite>(settings.web_root);
    } catch (const std::runtime_error& e) {
      throw natter::ConfigError(config, "web_root", e.what());
    }
  }
  const std::string installed = installed_web_root();
  try {
    return std::make_unique<WebSite>(installed);
  } catch (const std::runtime_error& e) {
    host.log(natter::LogLevel::warn, "no chat page to serve at /: " + std::string(e.what()) +
                                         " (set web_root, or web = false to say none is wanted)");
    return nullptr;
  }
}

}  // namespace

WsServer::WsServer(natter::Host& host, const natter::PluginConfig& config)
    : host_(host),
      settings_(read_ws_settings(config)),
      tls_(tls_context(config, settings_)),
      site_(web_site(host, config, settings_)),
      threads_([this] {
        std::vector<std::unique_ptr<IoThread>> threads;
        for (unsigned i = 0; i < settings_.threads; ++i) threads.push_back(std::make_unique<IoThread>(i));
        return threads;
      }()),
      upgrades_(settings_.threads),
      acceptor_(upgrades_.context()),
      fanout_by_thread_(settings_.threads),
      accepted_(host.counter("connections_accepted_total", "TCP connections accepted")),
      lagging_(host.counter("lagging_disconnects_total",
                            "Clients disconnected because their outbound queue overflowed")),
      tls_failures_(host.counter("tls_handshake_failures_total",
                                 "TLS handshakes that failed (no common version or cipher, not TLS, reset)")) {}

WsServer::~WsServer() {
  // Threads stop before what they run is freed; upgrades first, as they
  // hand connections to the others.
  upgrades_.stop();
  for (auto& thread : threads_) thread.reset();
}

namespace {

// The sweep's period: a quarter of the shortest timeout it enforces, so
// each fires at most 25% late.
std::chrono::milliseconds sweep_tick(const WsSettings& s) {
  const std::uint32_t shortest = std::min({s.ping_interval_ms, s.idle_timeout_ms, s.close_timeout_ms});
  return std::chrono::milliseconds(std::clamp<std::uint32_t>(shortest / 4, 5, 1000));
}

}  // namespace

bool WsServer::start(natter::BrokerEntry& broker, natter::Diagnostic& error) noexcept {
  broker_ = &broker;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(settings_.host, ec);
  if (ec) {
    error.report("listen address '" + settings_.host + "' is not an IP address");
    return false;
  }
  const tcp::endpoint endpoint(address, settings_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error.report("cannot listen on " + settings_.host + ":" + std::to_string(settings_.port) +
                 ": " + ec.message());
    return false;
  }
  accept_next();
  try {
    for (auto& thread : threads_) {
      const std::size_t i = thread->index();
      const int cpu = settings_.cpus.empty() ? -1 : settings_.cpus[i % settings_.cpus.size()];
      thread->start(sweep_tick(settings_), "ws-io-" + std::to_string(i), cpu, settings_.idle_poll);
    }
    upgrades_.start(std::chrono::milliseconds(0), "ws-upgrade");
  } catch (const std::exception& e) {
    error.report(std::string("cannot start I/O threads: ") + e.what());
    return false;
  }
  host_.log(natter::LogLevel::info, std::string(tls_ ? "listening on wss://" : "listening on ws://") +
                                        settings_.host + ":" + std::to_string(acceptor_.local_endpoint().port()) +
                                        settings_.path);
  if (tls_) host_.log(natter::LogLevel::info, "TLS certificate: " + tls_->describe());
  return true;
}

void WsServer::accept_next() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;  // stopping
    if (!ec) {
      accepted_.add(1);
      // Chat frames are small and latency is the point: no Nagle delay
      // waiting for the client's ACK of the previous write.
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (tls_) {
        std::make_shared<TlsUpgrade>(*this, std::move(socket))->start();
      } else {
        std::make_shared<WsUpgrade>(*this, std::move(socket))->start();
      }
    } else if (ec == asio::error::no_descriptors) {
      host_.log(natter::LogLevel::warn, "accept: out of file descriptors");
    }
    accept_next();
  });
}

void WsServer::adopt(tcp::socket socket, Upgraded upgraded) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (!ec) upgraded.remote_address = remote.address().to_string() + ":" + std::to_string(remote.port());
  const int fd = socket.release(ec);
  if (ec) return;
  // Round robin: the connection lives on this thread from here on, and is
  // allocated there (in that thread's malloc arena).
  IoThread& thread = *threads_[next_thread_++ % threads_.size()];
  try {
    asio::post(thread.context(), [this, &thread, fd, upgraded = std::move(upgraded)]() mutable {
      std::make_shared<WsConnection>(*this, thread, fd)->start(std::move(upgraded));
    });
  } catch (...) {
    ::close(fd);
  }
}

bool WsServer::admit(const std::shared_ptr<WsConnection>& connection) {
  std::lock_guard lock(sessions_mutex_);
  if (stopping_) return false;
  sessions_.emplace(connection.get(), connection);
  return true;
}

void WsServer::session_closed(WsConnection* connection) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(connection);
  if (sessions_.empty()) sessions_closed_.notify_all();
}

void WsServer::stop() noexcept {
  asio::post(upgrades_.context(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  std::vector<std::shared_ptr<WsConnection>> live;
  {
    std::lock_guard lock(sessions_mutex_);
    stopping_ = true;
    for (auto& [raw, weak] : sessions_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  host_.log(natter::LogLevel::info, "closing " + std::to_string(live.size()) + " connections");
  for (auto& c : live) c->shut_down();
  live.clear();

  std::unique_lock lock(sessions_mutex_);
  const auto deadline = std::chrono::milliseconds(settings_.close_timeout_ms);
  if (!sessions_closed_.wait_for(lock, deadline, [this] { return sessions_.empty(); })) {
    host_.log(natter::LogLevel::warn, std::to_string(sessions_.size()) +
                                          " clients did not take their close frame in time; dropping them");
    for (auto& [raw, weak] : sessions_) {
      if (auto c = weak.lock()) c->abort();
    }
    sessions_closed_.wait(lock, [this] { return sessions_.empty(); });
  }
}

void WsServer::deliver(std::span<natter::ClientLink* const> links, const natter::SharedEvent& event) noexcept {
  if (threads_.size() == 1) {
    threads_.front()->deliver(links, event, false);  // no need to look at each connection
    return;
  }
  try {
    // Every link is a WsConnection: the broker passes only links we opened.
    for (natter::ClientLink* link : links) {
      auto* connection = static_cast<WsConnection*>(link);
      fanout_by_thread_[connection->thread().index()].push_back(link);
    }
  } catch (...) {
    // Out of memory: those gathered so far still get the event.
  }
  for (std::size_t i = 0; i < threads_.size(); ++i) {
    threads_[i]->deliver(fanout_by_thread_[i], event, false);
    fanout_by_thread_[i].clear();
  }
}

bool WsServer::reload(natter::Diagnostic& error) noexcept {
  if (!tls_) return true;
  try {
    tls_->reload();
  } catch (const std::exception& e) {
    error.report(e.what());
    return false;
  }
  host_.log(natter::LogLevel::info, "TLS certificate reloaded: " + tls_->describe());
  return true;
}

void WsServer::flush() noexcept {
  for (auto& thread : threads_) thread->wake();
}

}  // namespace natter::ws
