#include "mariadb_config.hpp"

#include <charconv>

namespace natter::mariadb {

namespace {

constexpr natter::ConfigKey kKeys[] = {
    {"servers", KeyType::string_list, "127.0.0.1:3306",
     "Shards as \"host:port\" or \"host:port/database\"; each room always goes to the same one"},
    {"database", KeyType::string, "natter", "Database for servers that do not name one"},
    {"user", KeyType::string, "natter", "MariaDB user"},
    {"password", KeyType::string, "", "MariaDB password"},
    {"batch_max", KeyType::integer, "512", "Most messages committed in one transaction"},
    {"queue_max", KeyType::integer, "100000",
     "Messages waiting per shard before senders get 'unavailable' (bounds memory in an outage)"},
    {"readers", KeyType::integer, "2", "History connections per shard"},
    {"retry_max_ms", KeyType::integer, "5000", "Longest pause between reconnect attempts"},
    {"connect_timeout_ms", KeyType::integer, "3000", "Connect timeout (whole seconds, at least 1)"},
    {"io_timeout_ms", KeyType::integer, "5000",
     "Give up on a query after this long and reconnect (whole seconds, at least 1)"},
};

unsigned whole_seconds(std::int64_t ms) { return static_cast<unsigned>((ms + 999) / 1000); }

}  // namespace

std::span<const natter::ConfigKey> mariadb_keys() { return kKeys; }

MariadbSettings read_mariadb_settings(const natter::PluginConfig& c) {
  MariadbSettings s;
  const std::string default_db(c.get_string("database"));
  for (std::size_t i = 0; i < c.list_size("servers"); ++i) {
    std::string_view entry = c.list_item("servers", i);
    ServerAddress address;
    address.database = default_db;
    if (auto slash = entry.find('/'); slash != std::string_view::npos) {
      address.database = std::string(entry.substr(slash + 1));
      entry = entry.substr(0, slash);
    }
    auto colon = entry.rfind(':');
    bool ok = colon != std::string_view::npos && colon > 0 && !address.database.empty();
    if (ok) {
      address.host = std::string(entry.substr(0, colon));
      auto port = entry.substr(colon + 1);
      auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
      ok = ec == std::errc() && end == port.data() + port.size() && address.port > 0 && address.port < 65536;
    }
    if (!ok) {
      throw natter::ConfigError(c, "servers", "entry \"" + std::string(c.list_item("servers", i)) +
                                                  "\" is not \"host:port\" or \"host:port/database\"");
    }
    s.shards.push_back(std::move(address));
  }
  if (s.shards.empty()) throw natter::ConfigError(c, "servers", "must name at least one server");
  s.user = c.get_string("user");
  s.password = c.get_string("password");
  // 5 placeholders a row; MariaDB allows 65535 per statement.
  s.batch_max = static_cast<std::size_t>(natter::int_in_range(c, "batch_max", 1, 10000));
  s.queue_max = static_cast<std::size_t>(natter::int_in_range(c, "queue_max", 1, 100'000'000));
  s.readers = static_cast<unsigned>(natter::int_in_range(c, "readers", 1, 64));
  s.retry_max_ms = static_cast<std::uint32_t>(natter::int_in_range(c, "retry_max_ms", 10, 600'000));
  s.connect_timeout_s = whole_seconds(natter::int_in_range(c, "connect_timeout_ms", 1, 600'000));
  s.io_timeout_s = whole_seconds(natter::int_in_range(c, "io_timeout_ms", 1, 600'000));
  return s;
}

}  // namespace natter::mariadb
