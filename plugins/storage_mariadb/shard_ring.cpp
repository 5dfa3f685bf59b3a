#include "shard_ring.hpp"

namespace natter::mariadb {

std::uint64_t ShardRing::hash(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  // FNV-1a alone clusters short similar keys; a final mix spreads them.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

ShardRing::ShardRing(const std::vector<std::string>& shard_names, unsigned points_per_shard) {
  for (std::size_t shard = 0; shard < shard_names.size(); ++shard) {
    for (unsigned p = 0; p < points_per_shard; ++p) {
      points_.emplace(hash(shard_names[shard] + "#" + std::to_string(p)), shard);
    }
  }
}

std::size_t ShardRing::shard_of(std::string_view room) const {
  if (points_.empty()) return 0;
  auto it = points_.lower_bound(hash(room));
  return it == points_.end() ? points_.begin()->second : it->second;
}

}  // namespace natter::mariadb
