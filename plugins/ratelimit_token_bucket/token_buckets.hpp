#pragma once
// Token buckets by (rule, key), created full on first use and forgotten
// once full again (an idle key costs nothing), so memory stays bounded by
// the keys active within a refill time; past `max_keys` the oldest are
// dropped (they start full again). Thread-safe: one lock, held for a few
// hash lookups.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "limit_rules.hpp"

namespace natter::ratelimit {

class TokenBuckets {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBuckets(std::vector<LimitRule> rules, std::size_t max_keys);

  struct Ask {
    natter::LimitedAction action;
    std::string_view user, ip, room;
    std::uint64_t connection;
    std::uint32_t cost;
  };
  // 0 if every applicable rule had `cost` tokens (then taken from each),
  // else how many ms until they will (nothing taken). Any thread.
  std::uint32_t take(const Ask& ask, Clock::time_point now);

  std::size_t keys() const noexcept { return keys_.load(std::memory_order_relaxed); }
  std::uint64_t evicted() const noexcept { return evicted_.load(std::memory_order_relaxed); }
  const std::vector<LimitRule>& rules() const noexcept { return rules_; }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
    const LimitRule* rule;  // the rule it counts for, in rules_
  };
  // Drops the buckets that are full again by `now`; then, if still at
  // max_keys, the least recently updated ones. With mutex_ held.
  void sweep(Clock::time_point now);

  const std::vector<LimitRule> rules_;
  const std::size_t max_keys_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // "<rule>\x1f<key>"
  Clock::time_point last_sweep_{};
  std::atomic<std::size_t> keys_{0};
  std::atomic<std::uint64_t> evicted_{0};
};

}  // namespace natter::ratelimit
