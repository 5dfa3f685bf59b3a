#include "jwt_auth.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>

namespace natter::jwt {

namespace {

constexpr natter::ConfigKey kKeys[] = {
    {"keys", KeyType::string_list, "",
     "Verification keys, each \"KID ALG[,ALG] PATH\": a PEM public key for RS256/384/512, ES256/384 and "
     "EdDSA, a secret file for HS256/384/512; re-read on SIGHUP"},
    {"jwks_file", KeyType::string, "", "A JSON Web Key Set file (RFC 7517) with more keys; re-read on SIGHUP"},
    {"jwks_url", KeyType::string, "",
     "An identity provider's key set (https://.../.well-known/jwks.json), fetched at start, every "
     "jwks_refresh_s, on SIGHUP, and when a token names an unknown kid (at most once a minute)"},
    {"jwks_refresh_s", KeyType::integer, "3600", "Seconds between fetches of jwks_url (60-86400)"},
    {"jwks_ca_file", KeyType::string, "", "CA certificates (PEM) to check jwks_url's server with; empty: the system's"},
    {"issuer", KeyType::string, "", "The iss a token must carry; empty: any"},
    {"audience", KeyType::string_list, "", "A token's aud must name one of these; empty: any"},
    {"leeway_s", KeyType::integer, "0", "Clock skew allowed on exp, nbf and iat, in seconds (at most 60)"},
    {"require_exp", KeyType::boolean, "true", "Refuse tokens that never expire"},
    {"rooms_claim", KeyType::string, "",
     "A claim listing the rooms the user may enter (names, or prefixes ending in *); a token without it "
     "enters none; empty: rooms are not limited by the token"},
    {"roles_claim", KeyType::string, "roles", "The claim listing the user's roles (a dotted path reaches into objects)"},
    {"create_room_roles", KeyType::string_list, "",
     "Roles that may create rooms; empty: every user may"},
};

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw KeyError(path + ": cannot be read");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

std::span<const natter::ConfigKey> JwtAuth::keys() { return kKeys; }

JwtAuth::JwtAuth(natter::Host& host, const natter::PluginConfig& config)
    : host_(host), refused_(host.counter("refused_total", "Connections whose token was refused")) {
  for (std::size_t i = 0; i < config.list_size("keys"); ++i) specs_.emplace_back(config.list_item("keys", i));
  jwks_file_ = config.get_string("jwks_file");
  const std::string url(config.get_string("jwks_url"));
  if (specs_.empty() && jwks_file_.empty() && url.empty()) {
    throw natter::ConfigError(config, "keys", "no keys: set keys, jwks_file or jwks_url");
  }
  rules_.issuer = config.get_string("issuer");
  for (std::size_t i = 0; i < config.list_size("audience"); ++i) {
    rules_.audiences.emplace_back(config.list_item("audience", i));
  }
  rules_.leeway_s = config.get_int("leeway_s");
  if (rules_.leeway_s < 0 || rules_.leeway_s > 60) {
    throw natter::ConfigError(config, "leeway_s", "must be between 0 and 60 (got " + std::to_string(rules_.leeway_s) + ")");
  }
  rules_.require_exp = config.get_bool("require_exp");
  rules_.rooms_claim = config.get_string("rooms_claim");
  for (std::size_t i = 0; i < config.list_size("create_room_roles"); ++i) {
    create_room_roles_.emplace_back(config.list_item("create_room_roles", i));
  }
  if (!create_room_roles_.empty()) {
    rules_.roles_claim = config.get_string("roles_claim");
    if (rules_.roles_claim.empty()) {
      throw natter::ConfigError(config, "roles_claim", "create_room_roles needs the claim that lists roles");
    }
  }
  std::string why;
  try {
    if (!install(read_files(), {}, why)) throw KeyError(why);
  } catch (const KeyError& e) {
    const bool in_jwks_file = !jwks_file_.empty() && std::string_view(e.what()).starts_with(jwks_file_);
    throw natter::ConfigError(config, in_jwks_file ? "jwks_file" : "keys", e.what());
  }
  if (!url.empty()) {
    const std::int64_t refresh = config.get_int("jwks_refresh_s");
    if (refresh < 60 || refresh > 86400) {
      throw natter::ConfigError(config, "jwks_refresh_s", "must be between 60 and 86400 (got " + std::to_string(refresh) + ")");
    }
    JwksFetcher::Settings settings{url, std::string(config.get_string("jwks_ca_file")), std::chrono::seconds(refresh)};
    try {
      fetcher_ = std::make_unique<JwksFetcher>(
          std::move(settings), host,
          [this](std::vector<Key> keys, std::string& why) {
            std::vector<Key> files;
            {
              std::lock_guard lock(install_mutex_);
              files = file_keys_;
            }
            return install(std::move(files), std::move(keys), why);
          });
    } catch (const std::invalid_argument& e) {
      throw natter::ConfigError(config, "jwks_url", e.what());
    }
  }
}

std::vector<Key> JwtAuth::read_files() const {
  std::vector<Key> keys = read_key_specs(specs_);
  if (!jwks_file_.empty()) {
    JwksKeys more = read_jwks(read_text(jwks_file_), jwks_file_, true);
    for (const std::string& skipped : more.skipped) host_.log(natter::LogLevel::info, "skipped " + skipped);
    if (more.keys.empty()) throw KeyError(jwks_file_ + ": no key natter can verify with");
    std::move(more.keys.begin(), more.keys.end(), std::back_inserter(keys));
  }
  return keys;
}

bool JwtAuth::install(std::vector<Key> from_files, std::vector<Key> from_url, std::string& why) {
  std::lock_guard lock(install_mutex_);
  std::vector<Key> all = from_files;
  all.insert(all.end(), from_url.begin(), from_url.end());
  try {
    keys_.store(std::make_shared<const KeyRing>(std::move(all)));
  } catch (const KeyError& e) {
    why = e.what();
    return false;
  }
  file_keys_ = std::move(from_files);
  url_keys_ = std::move(from_url);
  return true;
}

bool JwtAuth::start(natter::Diagnostic&) noexcept {
  host_.log(natter::LogLevel::info, std::to_string(keys_.load()->size()) + " verification keys from files" +
                                        (fetcher_ ? ", more from jwks_url" : ""));
  if (fetcher_) fetcher_->start();
  return true;
}

void JwtAuth::stop() noexcept {
  if (fetcher_) fetcher_->stop();
}

bool JwtAuth::reload(natter::Diagnostic& error) noexcept {
  try {
    std::vector<Key> url_keys;
    {
      std::lock_guard lock(install_mutex_);
      url_keys = url_keys_;
    }
    std::string why;
    if (!install(read_files(), std::move(url_keys), why)) throw KeyError(why);
    host_.log(natter::LogLevel::info, "keys reloaded: " + std::to_string(keys_.load()->size()));
    if (fetcher_) fetcher_->fetch_soon();
    return true;
  } catch (const std::exception& e) {
    error.report(e.what());
    return false;
  }
}

void JwtAuth::authenticate(const natter::ConnectInfo& info, natter::AuthDone& done) noexcept {
  decide(info.token, info.remote_address, done, fetcher_ != nullptr);
}

void JwtAuth::decide(std::string_view token, std::string_view remote, natter::AuthDone& done, bool may_fetch) noexcept {
  std::string reason;
  try {
    if (token.empty()) {
      reason = "a token is needed (?token= or Authorization: Bearer)";
    } else {
      const TokenVerdict verdict = verify_token(token, *keys_.load(), rules_, now_s());
      if (verdict.ok) {
        natter::Identity identity{verdict.user};
        identity.expires_at_ms = verdict.expires_at_s * 1000;
        identity.may_create_rooms =
            create_room_roles_.empty() ||
            std::any_of(verdict.roles.begin(), verdict.roles.end(), [&](const std::string& role) {
              return std::find(create_room_roles_.begin(), create_room_roles_.end(), role) != create_room_roles_.end();
            });
        const std::vector<std::string_view> rooms(verdict.rooms.begin(), verdict.rooms.end());
        identity.rooms_limited = !rules_.rooms_claim.empty();
        identity.rooms = rooms;
        done.accepted(identity);
        return;
      }
      // A provider that rotated its keys signs with a kid we have not seen:
      // decide once the key set has been fetched again.
      if (verdict.unknown_kid && may_fetch &&
          fetcher_->fetch_for_unknown_kid([this, token = std::string(token), remote = std::string(remote), &done] {
            decide(token, remote, done, false);
          })) {
        return;
      }
      reason = "token refused: " + verdict.reason;
    }
  } catch (...) {
    reason = "token refused: out of memory";
  }
  refused_.add(1);
  host_.log(natter::LogLevel::info, "refused " + std::string(remote) + ": " + reason);
  done.refused(reason);
}

}  // namespace natter::jwt
