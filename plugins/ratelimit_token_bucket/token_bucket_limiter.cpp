#include "token_bucket_limiter.hpp"

#include "limit_config.hpp"

namespace natter::ratelimit {

namespace {

constexpr natter::ConfigKey kKeys[] = {kLimitsKey, kMaxKeysKey};

}  // namespace

std::span<const natter::ConfigKey> TokenBucketLimiter::keys() { return kKeys; }

TokenBucketLimiter::TokenBucketLimiter(natter::Host& host, const natter::PluginConfig& config)
    : host_(host),
      buckets_(rules_from(config), max_keys_from(config)),
      refused_(host.counter("refused_total", "Actions refused (rate_limited)")),
      evicted_(host.counter("evicted_keys_total", "Buckets dropped while still in use, to stay within max_keys")),
      keys_(host.gauge("keys", "Token buckets in memory")) {}

bool TokenBucketLimiter::start(natter::Diagnostic&) noexcept {
  std::string rules;
  for (const auto& rule : buckets_.rules()) rules += (rules.empty() ? "" : "; ") + rule.text;
  host_.log(natter::LogLevel::info, "limits: " + (rules.empty() ? std::string("none") : rules));
  return true;
}

void TokenBucketLimiter::admit(const natter::AdmitRequest& request, natter::AdmitDone& done) noexcept {
  std::uint32_t wait_ms = 0;
  try {
    wait_ms = buckets_.take({request.action, request.user, address_of(request.remote_address), request.room,
                             request.session, request.cost},
                            TokenBuckets::Clock::now());
    keys_.set(static_cast<std::int64_t>(buckets_.keys()));
    const std::uint64_t evicted = buckets_.evicted();
    if (const std::uint64_t before = evicted_reported_.exchange(evicted); evicted > before) evicted_.add(evicted - before);
  } catch (...) {
    wait_ms = 0;  // out of memory for a bucket: admit, as without this limiter
  }
  if (wait_ms == 0) {
    done.admitted();
    return;
  }
  refused_.add(1);
  done.refused(wait_ms);
}

}  // namespace natter::ratelimit
