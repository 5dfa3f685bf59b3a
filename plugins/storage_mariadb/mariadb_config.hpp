#pragma once
// The MariaDB storage's settings, read once from its config table.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

namespace natter::mariadb {

struct ServerAddress {
  std::string host;
  unsigned port = 3306;
  std::string database;
  std::string label() const { return host + ":" + std::to_string(port) + "/" + database; }
};

struct MariadbSettings {
  std::vector<ServerAddress> shards;  // one entry: no sharding
  std::string user, password;
  std::size_t batch_max = 0;
  std::size_t queue_max = 0;
  unsigned readers = 0;               // history connections per shard
  std::uint32_t retry_max_ms = 0;
  unsigned connect_timeout_s = 0;
  unsigned io_timeout_s = 0;
};

std::span<const natter::ConfigKey> mariadb_keys();

// Throws natter::ConfigError for malformed or out-of-range values.
MariadbSettings read_mariadb_settings(const natter::PluginConfig& config);

}  // namespace natter::mariadb
