#pragma once
// ratelimit_token_bucket: token buckets in this process, per rule and key
// (limit_rules.hpp). Decides inline, on the calling broker thread.

#include <atomic>
#include <memory>

#include <natter/plugin.hpp>

#include "token_buckets.hpp"

namespace natter::ratelimit {

class TokenBucketLimiter final : public natter::RateLimiter {
 public:
  TokenBucketLimiter(natter::Host& host, const natter::PluginConfig& config);

  bool start(natter::Diagnostic& error) noexcept override;
  void admit(const natter::AdmitRequest& request, natter::AdmitDone& done) noexcept override;
  void stop() noexcept override {}

  static std::span<const natter::ConfigKey> keys();

 private:
  natter::Host& host_;
  TokenBuckets buckets_;
  natter::Counter& refused_;
  natter::Counter& evicted_;
  natter::Gauge& keys_;
  std::atomic<std::uint64_t> evicted_reported_{0};
};

}  // namespace natter::ratelimit
