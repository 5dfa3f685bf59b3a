#include "token_bucket_limiter.hpp"

#include <algorithm>

namespace natter::ratelimit {

namespace {

constexpr natter::ConfigKey kKeys[] = {
    {"limits", KeyType::string_list,
     "send per user 5/s burst 20,send per ip 50/s burst 200,join per user 2/s burst 20,"
     "typing per connection 2/s burst 6,create_room per user 6/min burst 3,edit per user 2/s burst 10,"
     "connect per ip 5/s burst 30",
     "Rules \"ACTION per KEY RATE/UNIT burst N\": actions send, connect, join, typing, create_room, edit; keys "
     "user, ip, connection, room; units s, min, h"},
    {"max_keys", KeyType::integer, "100000",
     "Buckets kept at most; idle ones are forgotten once full, and past this the oldest go"},
};

std::vector<LimitRule> rules_of(const natter::PluginConfig& config) {
  std::vector<LimitRule> rules;
  for (std::size_t i = 0; i < config.list_size("limits"); ++i) {
    try {
      rules.push_back(parse_rule(config.list_item("limits", i)));
    } catch (const RuleError& e) {
      throw natter::ConfigError(config, "limits", e.what());
    }
    const auto same_action = std::count_if(rules.begin(), rules.end(),
                                           [&](const LimitRule& r) { return r.action == rules.back().action; });
    if (same_action > static_cast<std::ptrdiff_t>(TokenBuckets::kMaxRulesPerAction)) {
      throw natter::ConfigError(config, "limits", "more than " + std::to_string(TokenBuckets::kMaxRulesPerAction) +
                                                      " rules for one action");
    }
  }
  return rules;
}

std::size_t max_keys_of(const natter::PluginConfig& config) {
  const std::int64_t value = config.get_int("max_keys");
  if (value < 100 || value > 100'000'000) {
    throw natter::ConfigError(config, "max_keys", "must be between 100 and 100000000 (got " + std::to_string(value) + ")");
  }
  return static_cast<std::size_t>(value);
}

}  // namespace

std::span<const natter::ConfigKey> TokenBucketLimiter::keys() { return kKeys; }

TokenBucketLimiter::TokenBucketLimiter(natter::Host& host, const natter::PluginConfig& config)
    : host_(host),
      buckets_(rules_of(config), max_keys_of(config)),
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
