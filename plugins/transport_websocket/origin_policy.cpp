#include "origin_policy.hpp"

#include <algorithm>
#include <stdexcept>

namespace natter::ws {

namespace {

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "scheme://authority" without a path: the part after "://", or empty if
// `origin` is not of that form.
std::string_view authority_of(std::string_view origin) {
  const auto separator = origin.find("://");
  if (separator == std::string_view::npos || separator == 0) return {};
  const std::string_view authority = origin.substr(separator + 3);
  if (authority.empty() || authority.find_first_of("/?#@ ") != std::string_view::npos) return {};
  return authority;
}

}  // namespace

OriginPolicy::OriginPolicy(const std::vector<std::string>& allowed) {
  for (const auto& entry : allowed) {
    if (entry == "*") {
      any_ = true;
      continue;
    }
    if (authority_of(entry).empty()) {
      throw std::invalid_argument("'" + entry + "' is not an origin like \"https://chat.example.org\" or \"*\"");
    }
    allowed_.push_back(lowered(entry));
  }
}

bool OriginPolicy::allows(std::string_view origin, std::string_view host) const {
  if (origin.empty() || any_) return true;
  const std::string asked = lowered(origin);
  if (std::find(allowed_.begin(), allowed_.end(), asked) != allowed_.end()) return true;
  // The page's host is the one the client connected to: natterd's own
  // page, or a site behind the same name (a proxy passing Host on).
  const std::string_view authority = authority_of(asked);
  return !authority.empty() && !host.empty() && authority == lowered(host);
}

}  // namespace natter::ws
