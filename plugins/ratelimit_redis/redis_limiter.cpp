#include "redis_limiter.hpp"

#include "limit_config.hpp"

namespace natter::ratelimit {

namespace {

constexpr natter::ConfigKey kKeys[] = {
    kLimitsKey,
    kMaxKeysKey,
    {"address", KeyType::string, "127.0.0.1:6379", "Redis server: \"host:port\", \"[v6]:port\" or \"unix:/path\""},
    {"username", KeyType::string, "", "Redis ACL user (Redis 6 and later); empty: the password alone"},
    {"password", KeyType::string, "", "Redis password; empty: no AUTH"},
    {"database", KeyType::integer, "0", "Redis database number"},
    {"key_prefix", KeyType::string, "natter:rl:", "Prefix of every bucket's key in Redis"},
    {"timeout_ms", KeyType::integer, "250",
     "Longest wait for Redis to connect or answer; past it Redis counts as unreachable"},
    {"on_error", KeyType::string, "local",
     "While Redis is unreachable: allow (admit everything), deny (refuse everything) or local (this node's own "
     "buckets, same limits)"},
    {"reconnect_max_ms", KeyType::integer, "5000", "Longest pause between attempts to reach Redis again"},
    {"queue_max", KeyType::integer, "10000", "Decisions waiting for Redis at most; past it on_error decides"},
};

RedisDecisions::Settings settings_of(const natter::PluginConfig& config) {
  RedisDecisions::Settings settings;
  try {
    settings.endpoint = RedisEndpoint::parse(config.get_string("address"));
  } catch (const std::invalid_argument& e) {
    throw natter::ConfigError(config, "address", e.what());
  }
  settings.endpoint.username = config.get_string("username");
  settings.endpoint.password = config.get_string("password");
  settings.endpoint.database = static_cast<int>(natter::int_in_range(config, "database", 0, 15));
  settings.endpoint.timeout = std::chrono::milliseconds(natter::int_in_range(config, "timeout_ms", 10, 10'000));
  settings.key_prefix = config.get_string("key_prefix");
  settings.reconnect_max = std::chrono::milliseconds(natter::int_in_range(config, "reconnect_max_ms", 100, 300'000));
  settings.queue_max = static_cast<std::size_t>(natter::int_in_range(config, "queue_max", 1, 10'000'000));
  return settings;
}

auto on_error_of(const natter::PluginConfig& config) {
  const std::string_view value = config.get_string("on_error");
  if (value == "allow") return 0;
  if (value == "deny") return 1;
  if (value == "local") return 2;
  throw natter::ConfigError(config, "on_error",
                            "must be allow, deny or local (got '" + std::string(value) + "')");
}

std::uint32_t bit(natter::LimitedAction action) { return 1u << static_cast<std::uint32_t>(action); }

}  // namespace

std::span<const natter::ConfigKey> RedisLimiter::keys() { return kKeys; }

RedisLimiter::RedisLimiter(natter::Host& host, const natter::PluginConfig& config)
    : rules_(rules_from(config)),
      on_error_(static_cast<OnError>(on_error_of(config))),
      local_(host, config),
      fell_back_(host.counter("fallback_decisions_total", "Decisions made by on_error because Redis could not")),
      decisions_(settings_of(config), rules_, host,
                 [this](const SharedAsk& ask, natter::AdmitDone& done) { fall_back(ask, done); }) {
  for (const LimitRule& rule : rules_) limited_actions_ |= bit(rule.action);
}

bool RedisLimiter::start(natter::Diagnostic& error) noexcept {
  if (!local_.start(error)) return false;
  try {
    decisions_.start();
  } catch (const std::exception& e) {
    error.report(std::string("cannot start the Redis thread: ") + e.what());
    return false;
  }
  return true;
}

void RedisLimiter::admit(const natter::AdmitRequest& request, natter::AdmitDone& done) noexcept {
  if ((limited_actions_ & bit(request.action)) == 0) {
    done.admitted();
    return;
  }
  SharedAsk ask;
  try {
    ask = {request.action, std::string(request.user), std::string(request.room),
           std::string(request.remote_address), request.session, request.cost};
  } catch (...) {
    done.admitted();  // no memory to ask with: admit, as without this limiter
    return;
  }
  if (!decisions_.submit(ask, done)) fall_back(ask, done);
}

void RedisLimiter::fall_back(const SharedAsk& ask, natter::AdmitDone& done) noexcept {
  fell_back_.add(1);
  switch (on_error_) {
    case OnError::allow: done.admitted(); return;
    case OnError::deny: {
      const auto wait = std::max<std::chrono::milliseconds>(decisions_.until_next_attempt(),
                                                            std::chrono::milliseconds(100));
      done.refused(static_cast<std::uint32_t>(wait.count()));
      return;
    }
    case OnError::local:
      local_.admit({ask.user, ask.room, ask.remote_address, ask.cost, ask.action, ask.session}, done);
      return;
  }
}

void RedisLimiter::stop() noexcept {
  decisions_.stop();
  local_.stop();
}

}  // namespace natter::ratelimit
