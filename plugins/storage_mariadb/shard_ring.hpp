#pragma once
// Consistent hashing of rooms onto shards: a room always maps to the same
// shard, and adding a shard moves only about 1/n of the rooms. Hashes are
// FNV-1a, so every node and every restart agrees. Immutable; any thread.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace natter::mariadb {

class ShardRing {
 public:
  // `shard_names` identify shards (their addresses), in config order.
  explicit ShardRing(const std::vector<std::string>& shard_names, unsigned points_per_shard = 128);
  std::size_t shard_of(std::string_view room) const;

  static std::uint64_t hash(std::string_view text);

 private:
  std::map<std::uint64_t, std::size_t> points_;
};

}  // namespace natter::mariadb
