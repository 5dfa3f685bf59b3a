#include "bucket_script.hpp"

#include <cstdio>

namespace natter::ratelimit {

namespace {

// KEYS: a bucket per rule. ARGV: cost, then rate (tokens per ms) and burst
// per bucket. Returns 0 when every bucket had `cost` tokens (all taken),
// else the ms until they will (none taken). Refusals write nothing: a
// bucket's level follows from {tokens, at} and the clock. The 1e-6 slack
// forgives float error, so a client that waited the ms it was told is
// admitted.
constexpr std::string_view kScript = R"lua(
local cost = tonumber(ARGV[1])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local level = {}
local wait = 0
for i = 1, #KEYS do
  local rate, burst = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = burst
  if state[1] then
    tokens = math.min(burst, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) * rate)
  end
  level[i] = tokens
  if tokens + 1e-6 < cost then wait = math.max(wait, (cost - tokens) / rate) end
end
if wait > 0 then return math.max(1, math.ceil(wait - 1e-6)) end
for i = 1, #KEYS do
  local rate, burst = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local left = level[i] - cost
  redis.call('HSET', KEYS[i], 'tokens', string.format('%.17g', left), 'at', string.format('%.17g', now))
  redis.call('PEXPIRE', KEYS[i], math.ceil((burst - left) / rate) + 1000)
end
return 0
)lua";

std::string number(double value, const char* format = "%.17g") {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

}  // namespace

std::string_view bucket_script() { return kScript; }

BucketKeys::BucketKeys(std::string prefix, const std::vector<LimitRule>& rules, std::uint32_t node)
    : node_(std::to_string(node) + ".") {
  for (const LimitRule& rule : rules) {
    std::string stem = prefix;
    stem.append(name_of(rule.action)).append(":").append(name_of(rule.key));
    stem.append(":").append(number(rule.tokens_per_second, "%.10g")).append("/s:");
    stem.append(number(rule.burst, "%.10g")).append(":");
    rules_.push_back({rule.action, rule.key, std::move(stem), number(rule.tokens_per_second / 1000.0), number(rule.burst)});
  }
}

std::vector<std::string> BucketKeys::call(std::string_view sha, const SharedAsk& ask) const {
  std::vector<std::string> keys, args{std::to_string(ask.cost)};
  for (const Rule& r : rules_) {
    if (r.action != ask.action) continue;
    std::string key = r.key_stem;
    switch (r.key) {
      case KeyKind::user: key.append(ask.user); break;
      case KeyKind::ip: key.append(address_of(ask.remote_address)); break;
      case KeyKind::room: key.append(ask.room); break;
      case KeyKind::connection: key.append(node_).append(std::to_string(ask.session)); break;
    }
    keys.push_back(std::move(key));
    args.push_back(r.rate_per_ms);
    args.push_back(r.burst);
  }
  if (keys.empty()) return {};
  std::vector<std::string> call{"EVALSHA", std::string(sha), std::to_string(keys.size())};
  for (auto& key : keys) call.push_back(std::move(key));
  for (auto& arg : args) call.push_back(std::move(arg));
  return call;
}

}  // namespace natter::ratelimit
