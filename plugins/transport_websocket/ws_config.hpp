#pragma once
// The WebSocket transport's settings, read once from its config table and
// immutable afterwards (shared read-only by every connection).

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "origin_policy.hpp"
#include "tls_context.hpp"

namespace natter::ws {

struct WsSettings {
  std::string host;  // address to bind, e.g. "0.0.0.0" or "::1"
  std::uint16_t port = 0;
  std::string path;
  std::size_t max_message_bytes = 0;
  std::uint32_t handshake_timeout_ms = 0;
  std::uint32_t idle_timeout_ms = 0;
  std::uint32_t ping_interval_ms = 0;
  std::size_t max_outbound_queue = 0;
  std::uint32_t close_timeout_ms = 0;
  unsigned threads = 1;
  // How long an I/O thread looks for work before it sleeps.
  std::chrono::microseconds idle_poll{0};
  // I/O thread i runs only on cpus[i % size]; empty: not pinned.
  std::vector<int> cpus;
  // Set when the listener speaks TLS (wss://) only.
  std::optional<TlsSettings> tls;
  bool web = true;       // serve a web page beside the endpoint
  std::string web_root;  // its directory; empty: the installed one
  OriginPolicy origins;  // whose pages may open a WebSocket
};

std::span<const natter::ConfigKey> ws_keys();

// Throws natter::ConfigError for values out of range.
WsSettings read_ws_settings(const natter::PluginConfig& config);

}  // namespace natter::ws
