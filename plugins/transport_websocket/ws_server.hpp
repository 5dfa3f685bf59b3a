#pragma once
// The WebSocket transport: owns the I/O threads and the listener, spreads
// connections over the threads, hands the broker's fan-out to each thread
// in one batch, and keeps track of live connections so shutdown can close
// every one of them. Commands may run on the I/O thread that read them
// (natter::InlineCommands): a connection calls submit() holding no lock,
// and the broker's calls back into links and this Fanout only queue work
// for the I/O threads.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <natter/plugin.hpp>

#include "io_thread.hpp"
#include "tls_context.hpp"
#include "upgraded.hpp"
#include "web_site.hpp"
#include "ws_config.hpp"

namespace natter::ws {

class WsConnection;

class WsServer final : public natter::Transport,
                       public natter::Fanout,
                       public natter::InlineCommands,
                       public natter::Reloadable {
 public:
  WsServer(natter::Host& host, const natter::PluginConfig& config);
  ~WsServer();

  bool start(natter::BrokerEntry& broker, natter::Diagnostic& error) noexcept override;
  void stop() noexcept override;
  // Fanout: the broker's loop thread.
  void deliver(std::span<natter::ClientLink* const> links, const natter::SharedEvent& event) noexcept override;
  void flush() noexcept override;
  // Reloadable: re-reads the TLS certificate and key; main thread.
  bool reload(natter::Diagnostic& error) noexcept override;

  // For connections; any thread.
  const WsSettings& settings() const noexcept { return settings_; }
  natter::BrokerEntry& broker() noexcept { return *broker_; }
  // The listener's TLS setup; null on a plain listener.
  const TlsContext* tls() const noexcept { return tls_.get(); }
  // The page served beside the endpoint; null when none is.
  const WebSite* site() const noexcept { return site_.get(); }
  // Upgrade thread: gives the upgraded socket to a new connection on the
  // next I/O thread.
  void adopt(boost::asio::ip::tcp::socket socket, Upgraded upgraded);
  // Registers a connection before it opens its session; false once the
  // server is stopping (the connection then closes without a session).
  bool admit(const std::shared_ptr<WsConnection>& connection);
  // The connection's session port was closed.
  void session_closed(WsConnection* connection);
  natter::Counter& lagging_disconnects() noexcept { return lagging_; }
  void count_tls_failure() noexcept { tls_failures_.add(1); }

 private:
  void accept_next();

  natter::Host& host_;
  const WsSettings settings_;
  const std::unique_ptr<TlsContext> tls_;
  const std::unique_ptr<WebSite> site_;
  natter::BrokerEntry* broker_ = nullptr;
  std::vector<std::unique_ptr<IoThread>> threads_;  // connections after their upgrade
  std::size_t next_thread_ = 0;                      // upgrade thread only
  IoThread upgrades_;  // the acceptor and the HTTP upgrades; never given events
  boost::asio::ip::tcp::acceptor acceptor_;
  // Fanout::deliver()'s links sorted by thread; the loop thread only, kept
  // between calls so a steady stream allocates nothing.
  std::vector<std::vector<natter::ClientLink*>> fanout_by_thread_;

  std::mutex sessions_mutex_;
  std::condition_variable sessions_closed_;
  std::unordered_map<WsConnection*, std::weak_ptr<WsConnection>> sessions_;
  bool stopping_ = false;  // guarded by sessions_mutex_

  natter::Counter& accepted_;
  natter::Counter& lagging_;
  natter::Counter& tls_failures_;
};

}  // namespace natter::ws
