#pragma once
// The WebSocket transport: owns the I/O threads and the listener, keeps
// track of live connections so shutdown can close every one of them.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <natter/plugin.hpp>

#include "ws_config.hpp"

namespace natter::ws {

class WsConnection;

class WsServer final : public natter::Transport {
 public:
  WsServer(natter::Host& host, const natter::PluginConfig& config);
  ~WsServer();

  bool start(natter::BrokerEntry& broker, natter::Diagnostic& error) noexcept override;
  void stop() noexcept override;

  // For connections; any thread.
  const WsSettings& settings() const noexcept { return settings_; }
  natter::Host& host() noexcept { return host_; }
  natter::BrokerEntry& broker() noexcept { return *broker_; }
  boost::asio::io_context& context() noexcept { return context_; }
  // Registers a connection before it opens its session; false once the
  // server is stopping (the connection then closes without a session).
  bool admit(const std::shared_ptr<WsConnection>& connection);
  // The connection's session port was closed.
  void session_closed(WsConnection* connection);
  natter::Counter& lagging_disconnects() noexcept { return lagging_; }

 private:
  void accept_next();

  natter::Host& host_;
  const WsSettings settings_;
  natter::BrokerEntry* broker_ = nullptr;
  boost::asio::io_context context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;

  std::mutex sessions_mutex_;
  std::condition_variable sessions_closed_;
  std::unordered_map<WsConnection*, std::weak_ptr<WsConnection>> sessions_;
  bool stopping_ = false;  // guarded by sessions_mutex_

  natter::Counter& accepted_;
  natter::Counter& lagging_;
};

}  // namespace natter::ws
