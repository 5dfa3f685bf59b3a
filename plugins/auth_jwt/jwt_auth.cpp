#include "jwt_auth.hpp"

#include <chrono>

namespace natter::jwt {

namespace {

constexpr natter::ConfigKey kKeys[] = {
    {"keys", KeyType::string_list, nullptr,
     "Verification keys, each \"KID ALG[,ALG] PATH\": a PEM public key for RS256/384/512, ES256/384 and "
     "EdDSA, a secret file for HS256/384/512; re-read on SIGHUP"},
    {"issuer", KeyType::string, "", "The iss a token must carry; empty: any"},
    {"audience", KeyType::string_list, "", "A token's aud must name one of these; empty: any"},
    {"leeway_s", KeyType::integer, "0", "Clock skew allowed on exp, nbf and iat, in seconds (at most 60)"},
    {"require_exp", KeyType::boolean, "true", "Refuse tokens that never expire"},
};

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::span<const natter::ConfigKey> JwtAuth::keys() { return kKeys; }

JwtAuth::JwtAuth(natter::Host& host, const natter::PluginConfig& config)
    : host_(host), refused_(host.counter("refused_total", "Connections whose token was refused")) {
  for (std::size_t i = 0; i < config.list_size("keys"); ++i) specs_.emplace_back(config.list_item("keys", i));
  rules_.issuer = config.get_string("issuer");
  for (std::size_t i = 0; i < config.list_size("audience"); ++i) {
    rules_.audiences.emplace_back(config.list_item("audience", i));
  }
  rules_.leeway_s = config.get_int("leeway_s");
  if (rules_.leeway_s < 0 || rules_.leeway_s > 60) {
    throw natter::ConfigError(config, "leeway_s", "must be between 0 and 60 (got " + std::to_string(rules_.leeway_s) + ")");
  }
  rules_.require_exp = config.get_bool("require_exp");
  try {
    keys_.store(std::make_shared<const KeyRing>(specs_));
  } catch (const KeyError& e) {
    throw natter::ConfigError(config, "keys", e.what());
  }
}

bool JwtAuth::start(natter::Diagnostic&) noexcept {
  host_.log(natter::LogLevel::info, std::to_string(keys_.load()->size()) + " verification keys");
  return true;
}

bool JwtAuth::reload(natter::Diagnostic& error) noexcept {
  try {
    auto fresh = std::make_shared<const KeyRing>(specs_);
    host_.log(natter::LogLevel::info, "keys reloaded: " + std::to_string(fresh->size()));
    keys_.store(std::move(fresh));
    return true;
  } catch (const std::exception& e) {
    error.report(e.what());
    return false;
  }
}

void JwtAuth::authenticate(const natter::ConnectInfo& info, natter::AuthDone& done) noexcept {
  std::string reason;
  try {
    if (info.token.empty()) {
      reason = "a token is needed (?token= or Authorization: Bearer)";
    } else {
      const TokenVerdict verdict = verify_token(info.token, *keys_.load(), rules_, now_s());
      if (verdict.ok) {
        natter::Identity identity{verdict.user};
        identity.expires_at_ms = verdict.expires_at_s * 1000;
        done.accepted(identity);
        return;
      }
      reason = "token refused: " + verdict.reason;
    }
  } catch (...) {
    reason = "token refused: out of memory";
  }
  refused_.add(1);
  host_.log(natter::LogLevel::info, "refused " + std::string(info.remote_address) + ": " + reason);
  done.refused(reason);
}

}  // namespace natter::jwt
