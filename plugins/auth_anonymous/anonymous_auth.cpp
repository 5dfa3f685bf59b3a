#include "anonymous_auth.hpp"

#include <chrono>

namespace natter::auth {

namespace {

constexpr natter::ConfigKey kKeys[] = {
    {"guest_prefix", KeyType::string, "guest-", "Prefix of names given to clients that ask for none"},
    {"allow_chosen_names", KeyType::boolean, "true", "Let clients pick their name with ?user=..."},
    {"max_name_bytes", KeyType::integer, "64", "Longest user name"},
};

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

}  // namespace

std::span<const natter::ConfigKey> AnonymousAuth::keys() { return kKeys; }

AnonymousAuth::AnonymousAuth(natter::Host&, const natter::PluginConfig& config)
    : guest_prefix_(config.get_string("guest_prefix")),
      allow_chosen_names_(config.get_bool("allow_chosen_names")),
      max_name_bytes_(static_cast<std::size_t>(config.get_int("max_name_bytes"))),
      // Seeded from the clock so guest names differ across restarts.
      next_guest_(static_cast<std::uint64_t>(
          std::chrono::steady_clock::now().time_since_epoch().count()) % 1'000'000) {
  if (config.get_int("max_name_bytes") < 1 || config.get_int("max_name_bytes") > 256) {
    throw natter::ConfigError(config, "max_name_bytes", "must be between 1 and 256");
  }
}

bool AnonymousAuth::start(natter::Diagnostic&) noexcept { return true; }

void AnonymousAuth::authenticate(const natter::ConnectInfo& info, natter::AuthDone& done) noexcept {
  std::string_view wanted = info.requested_user;
  if (wanted.empty()) {
    std::string guest = guest_prefix_ + std::to_string(next_guest_.fetch_add(1));
    done.accepted({guest});
    return;
  }
  if (!allow_chosen_names_) {
    done.refused("this server assigns guest names; connect without ?user=");
    return;
  }
  if (wanted.size() > max_name_bytes_) {
    done.refused("user name is longer than " + std::to_string(max_name_bytes_) + " bytes");
    return;
  }
  for (char c : wanted) {
    if (!name_char(c)) {
      done.refused("user name may contain only letters, digits, '_', '-' and '.'");
      return;
    }
  }
  done.accepted({wanted});
}

}  // namespace natter::auth
