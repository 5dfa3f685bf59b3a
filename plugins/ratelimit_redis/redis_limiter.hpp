#pragma once
// ratelimit_redis: the token buckets of ratelimit_token_bucket, kept in
// Redis so that every node spends from one budget. Each decision is one
// atomic script run (bucket_script.hpp), sent from the plugin's own thread
// (redis_decisions.hpp); admit() never waits for Redis. While Redis is
// unreachable `on_error` decides: allow, deny, or local (this node's own
// buckets, with the same rules).

#include <span>

#include <natter/plugin.hpp>

#include "redis_decisions.hpp"
#include "token_bucket_limiter.hpp"

namespace natter::ratelimit {

class RedisLimiter final : public natter::RateLimiter {
 public:
  RedisLimiter(natter::Host& host, const natter::PluginConfig& config);

  bool start(natter::Diagnostic& error) noexcept override;                                 // main thread
  void admit(const natter::AdmitRequest& request, natter::AdmitDone& done) noexcept override;  // any thread
  void stop() noexcept override;                                                           // main thread

  static std::span<const natter::ConfigKey> keys();

 private:
  enum class OnError { allow, deny, local };
  // Decides without Redis, as on_error says. Any thread.
  void fall_back(const SharedAsk& ask, natter::AdmitDone& done) noexcept;

  const std::vector<LimitRule> rules_;
  const OnError on_error_;
  std::uint32_t limited_actions_ = 0;  // bit per LimitedAction some rule names
  TokenBucketLimiter local_;
  natter::Counter& fell_back_;
  RedisDecisions decisions_;
};

}  // namespace natter::ratelimit
