#include "token_buckets.hpp"

#include <algorithm>
#include <cmath>

namespace natter::ratelimit {

namespace {

constexpr auto kSweepEvery = std::chrono::seconds(1);
// Floating point error, forgiven: a client that waited the retry_after_ms
// it was told is admitted, and is told no more than it has to wait.
constexpr double kSlack = 1e-6;

std::string bucket_key(std::size_t rule, const LimitRule& r, const TokenBuckets::Ask& ask) {
  std::string key = std::to_string(rule);
  key.push_back('\x1f');
  switch (r.key) {
    case KeyKind::user: key.append(ask.user); break;
    case KeyKind::ip: key.append(ask.ip); break;
    case KeyKind::room: key.append(ask.room); break;
    case KeyKind::connection: key.append(std::to_string(ask.connection)); break;
  }
  return key;
}

double refilled(const LimitRule& rule, const double tokens, TokenBuckets::Clock::duration elapsed) {
  return std::min(rule.burst, tokens + std::chrono::duration<double>(elapsed).count() * rule.tokens_per_second);
}

}  // namespace

TokenBuckets::TokenBuckets(std::vector<LimitRule> rules, std::size_t max_keys)
    : rules_(std::move(rules)), max_keys_(max_keys) {}

std::uint32_t TokenBuckets::take(const Ask& ask, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (now - last_sweep_ >= kSweepEvery || buckets_.size() >= max_keys_) sweep(now);
  // First look, then take: a refusal by one rule takes from none.
  struct Hit {
    Bucket* bucket;
    const LimitRule* rule;
  };
  Hit hits[kMaxRulesPerAction];
  std::size_t count = 0;
  double wait_seconds = 0;
  for (std::size_t i = 0; i < rules_.size() && count < std::size(hits); ++i) {
    const LimitRule& rule = rules_[i];
    if (rule.action != ask.action) continue;
    auto [it, fresh] = buckets_.try_emplace(bucket_key(i, rule, ask), Bucket{rule.burst, now, &rule});
    Bucket& bucket = it->second;
    bucket.tokens = refilled(rule, bucket.tokens, now - bucket.updated);
    bucket.updated = now;
    if (bucket.tokens + kSlack < ask.cost) {
      wait_seconds = std::max(wait_seconds, (ask.cost - bucket.tokens) / rule.tokens_per_second);
    }
    hits[count++] = {&bucket, &rule};
  }
  keys_.store(buckets_.size(), std::memory_order_relaxed);
  if (wait_seconds > 0) {
    // Rounded up, so a client that waits exactly this long is admitted.
    return static_cast<std::uint32_t>(std::min(std::ceil(wait_seconds * 1000.0 - kSlack), 86'400'000.0));
  }
  for (std::size_t i = 0; i < count; ++i) hits[i].bucket->tokens -= ask.cost;
  return 0;
}

void TokenBuckets::sweep(Clock::time_point now) {
  last_sweep_ = now;
  std::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& bucket = entry.second;
    return refilled(*bucket.rule, bucket.tokens, now - bucket.updated) >= bucket.rule->burst;
  });
  if (buckets_.size() < max_keys_) return;
  // Still full of active keys (a flood of distinct ones): keep the newest
  // 90%. The dropped ones start full again, as a new key would.
  std::vector<Clock::time_point> ages;
  ages.reserve(buckets_.size());
  for (const auto& [key, bucket] : buckets_) ages.push_back(bucket.updated);
  const auto cut = ages.begin() + static_cast<std::ptrdiff_t>(ages.size() / 10);
  std::nth_element(ages.begin(), cut, ages.end());
  const auto oldest_kept = *cut;
  const auto dropped = std::erase_if(buckets_, [&](const auto& entry) { return entry.second.updated < oldest_kept; });
  evicted_ += dropped;
  if (dropped > 0) return;
  // All of the same age: any tenth will do.
  while (buckets_.size() >= max_keys_ - max_keys_ / 10 && !buckets_.empty()) {
    buckets_.erase(buckets_.begin());
    evicted_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace natter::ratelimit
