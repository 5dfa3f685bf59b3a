#include "link_finder.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <array>

namespace natter::links {

namespace {

// Group 1: the scheme, if any; 2: the host; 3: the path, query or fragment.
constexpr const char* kLink =
    R"((?i)([a-z][a-z0-9+.-]{1,15}://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9])(?::[0-9]{1,5})?([/?#][^\s<>"']*)?)";

// Bare hosts count as links only with one of these last labels.
constexpr std::array<std::string_view, 48> kCommonTlds = {
    "app", "au", "biz", "br", "ca", "cc", "ch", "cn", "co", "com", "de", "dev", "es", "eu", "fr", "gg",
    "gov", "in", "info", "io", "it", "jp", "kr", "link", "live", "me", "net", "nl", "nz", "online", "org", "pl",
    "pro", "ru", "se", "site", "store", "top", "tv", "uk", "us", "vip", "ws", "xyz", "click", "shop", "ly", "to"};

bool common_tld(std::string_view host) {
  const auto dot = host.rfind('.');
  const std::string_view tld = host.substr(dot + 1);
  return std::find(kCommonTlds.begin(), kCommonTlds.end(), tld) != kCommonTlds.end();
}

// Link characters: a match that starts or ends inside a longer run of them
// (an e-mail address's domain, "x.comfortable") is not a link of its own.
bool link_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '@' || c == '.';
}

}  // namespace

LinkFinder::LinkFinder() : pattern_(std::make_unique<re2::RE2>(kLink)) {}
LinkFinder::~LinkFinder() = default;

std::vector<Link> LinkFinder::find(std::string_view text) const {
  std::vector<Link> links;
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece groups[4];
  std::size_t at = 0;
  while (at < text.size() && pattern_->Match(input, at, text.size(), re2::RE2::UNANCHORED, groups, 4)) {
    const auto begin = static_cast<std::size_t>(groups[0].data() - text.data());
    std::size_t end = begin + groups[0].size();
    if (!groups[3].empty()) {
      // Sentence punctuation after a link is not part of it: "(see x.com/a)."
      const auto path_begin = static_cast<std::size_t>(groups[3].data() - text.data());
      while (end > path_begin + 1 && std::string_view(".,;:!?)]}").find(text[end - 1]) != std::string_view::npos) --end;
    }
    at = std::max(end, begin + 1);
    const bool inside_word = (begin > 0 && link_char(text[begin - 1])) ||
                             (end < text.size() && link_char(text[end]) && text[end] != '.');
    if (inside_word) continue;
    std::string host(groups[2].data(), groups[2].size());
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
    const bool has_scheme = !groups[1].empty();
    const bool has_path = !groups[3].empty();
    if (!has_scheme && !host.starts_with("www.") && !has_path && !common_tld(host)) continue;
    links.push_back({begin, end, std::move(host)});
  }
  return links;
}

bool host_within(std::string_view host, std::string_view domain) noexcept {
  if (host.size() == domain.size()) return host == domain;
  return host.size() > domain.size() && host.ends_with(domain) && host[host.size() - domain.size() - 1] == '.';
}

}  // namespace natter::links
