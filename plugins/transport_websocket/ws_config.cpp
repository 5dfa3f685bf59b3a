#include "ws_config.hpp"

#include <openssl/ssl.h>

#include <charconv>
#include <stdexcept>

#include "cpu_list.hpp"

namespace natter::ws {

namespace {

constexpr natter::ConfigKey kKeys[] = {
    {"listen", KeyType::string, "127.0.0.1:8080", "Address and port to accept clients on (\"[::1]:8080\" for IPv6)"},
    {"path", KeyType::string, "/ws", "HTTP path clients upgrade on"},
    {"max_message_bytes", KeyType::integer, "65536", "Largest client frame; larger ones are closed with 1009"},
    {"handshake_timeout_ms", KeyType::integer, "10000", "Time allowed for the HTTP upgrade"},
    {"idle_timeout_ms", KeyType::integer, "60000", "Close a connection that sent nothing (not even a pong) this long"},
    {"ping_interval_ms", KeyType::integer, "20000", "How often to ping an idle client; below idle_timeout_ms"},
    {"max_outbound_queue", KeyType::integer, "4096", "Events queued for one slow client before it is disconnected"},
    {"close_timeout_ms", KeyType::integer, "5000", "On shutdown, time allowed for clients to take their close frame"},
    {"threads", KeyType::integer, "1", "I/O threads"},
    {"idle_poll_us", KeyType::integer, "200",
     "How long an I/O thread out of work keeps looking for more before it sleeps, yielding its CPU to any "
     "other thread meanwhile; 0: sleep at once"},
    {"tls_cert", KeyType::string, "",
     "PEM file with the server certificate and its chain; set, the listener speaks TLS only (wss://). "
     "Re-read on SIGHUP"},
    {"tls_key", KeyType::string, "", "PEM file with the certificate's private key; re-read on SIGHUP"},
    {"tls_min_version", KeyType::string, "1.2", "Oldest TLS version accepted: \"1.2\" or \"1.3\""},
    {"tls_ciphers", KeyType::string,
     "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
     "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
     "OpenSSL cipher list for TLS 1.2 (forward secret AEAD only by default); TLS 1.3 uses OpenSSL's suites"},
    {"web", KeyType::boolean, "true", "Serve the chat page (web_root) at / beside the WebSocket endpoint"},
    {"web_root", KeyType::string, "",
     "Directory of the page served at /; empty: the page installed with natter (share/natter/web)"},
    {"allowed_origins", KeyType::string_list, "",
     "Origins (\"https://chat.example.org\") whose pages may open a WebSocket here, or \"*\" for any; empty: "
     "pages of the host the client connected to only (natterd's own page)"},
    {"cpus", KeyType::string, "",
     "CPUs the I/O threads are pinned to, one each in turn (\"2,3\" or \"2-3\"); empty: wherever the kernel "
     "puts them"},
};

std::optional<TlsSettings> read_tls_settings(const natter::PluginConfig& config) {
  TlsSettings tls;
  tls.cert_path = config.get_string("tls_cert");
  tls.key_path = config.get_string("tls_key");
  if (tls.cert_path.empty() && tls.key_path.empty()) return std::nullopt;
  if (tls.cert_path.empty()) throw natter::ConfigError(config, "tls_cert", "is needed with tls_key");
  if (tls.key_path.empty()) throw natter::ConfigError(config, "tls_key", "is needed with tls_cert");
  const std::string version(config.get_string("tls_min_version"));
  if (version == "1.2") {
    tls.min_version = TLS1_2_VERSION;
  } else if (version == "1.3") {
    tls.min_version = TLS1_3_VERSION;
  } else {
    throw natter::ConfigError(config, "tls_min_version", "must be \"1.2\" or \"1.3\" (got \"" + version + "\")");
  }
  tls.ciphers = config.get_string("tls_ciphers");
  return tls;
}

}  // namespace

std::span<const natter::ConfigKey> ws_keys() { return kKeys; }

WsSettings read_ws_settings(const natter::PluginConfig& config) {
  WsSettings s;
  std::string_view listen = config.get_string("listen");
  auto colon = listen.rfind(':');
  bool ok = colon != std::string_view::npos && colon + 1 < listen.size();
  if (ok) {
    std::string_view host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    s.host = std::string(host);
    std::string_view port = listen.substr(colon + 1);
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), s.port);
    ok = ec == std::errc() && end == port.data() + port.size() && !s.host.empty();
  }
  if (!ok) throw natter::ConfigError(config, "listen", "must be \"host:port\" (got \"" + std::string(listen) + "\")");

  s.path = config.get_string("path");
  if (s.path.empty() || s.path.front() != '/') {
    throw natter::ConfigError(config, "path", "must start with '/' (got \"" + s.path + "\")");
  }
  s.max_message_bytes = natter::int_in_range(config, "max_message_bytes", 256, 64 << 20);
  s.handshake_timeout_ms = natter::int_in_range(config, "handshake_timeout_ms", 100, 600'000);
  s.idle_timeout_ms = natter::int_in_range(config, "idle_timeout_ms", 1000, 86'400'000);
  s.ping_interval_ms = natter::int_in_range(config, "ping_interval_ms", 100, 86'400'000);
  if (s.ping_interval_ms >= s.idle_timeout_ms) {
    throw natter::ConfigError(config, "ping_interval_ms", "must be below idle_timeout_ms (" +
                                                              std::to_string(s.idle_timeout_ms) + ")");
  }
  s.max_outbound_queue = natter::int_in_range(config, "max_outbound_queue", 1, 1'000'000);
  s.close_timeout_ms = natter::int_in_range(config, "close_timeout_ms", 0, 600'000);
  s.threads = natter::int_in_range(config, "threads", 1, 64);
  s.idle_poll = std::chrono::microseconds(natter::int_in_range(config, "idle_poll_us", 0, 100'000));
  try {
    s.cpus = parse_cpu_list(config.get_string("cpus"));
  } catch (const std::invalid_argument& e) {
    throw natter::ConfigError(config, "cpus", e.what());
  }
  s.tls = read_tls_settings(config);
  s.web = config.get_bool("web");
  s.web_root = config.get_string("web_root");
  std::vector<std::string> origins;
  for (std::size_t i = 0; i < config.list_size("allowed_origins"); ++i) {
    origins.emplace_back(config.list_item("allowed_origins", i));
  }
  try {
    s.origins = OriginPolicy(origins);
  } catch (const std::invalid_argument& e) {
    throw natter::ConfigError(config, "allowed_origins", e.what());
  }
  return s;
}

}  // namespace natter::ws
