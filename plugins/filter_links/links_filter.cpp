#include "links_filter.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>

namespace natter::links {

namespace {

constexpr natter::ConfigKey kKeys[] = {
    {"deny_domains", KeyType::string_list, "",
     "Links to these domains, or below them, are refused (\"example.com\" covers www.example.com)"},
    {"allow_domains", KeyType::string_list, "",
     "If set, links to any other domain are refused; deny_domains still applies within these"},
    {"patterns", KeyType::string_list, "",
     "RE2 regular expressions (linear time); a message matching any is refused, naming the pattern's number"},
    {"action", KeyType::string, "reject",
     "What a refused link does: \"reject\" the message, or \"remove\" the link and deliver the rest"},
};

std::vector<std::string> domains(const natter::PluginConfig& config, std::string_view key) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < config.list_size(key); ++i) {
    std::string domain(config.list_item(key, i));
    std::transform(domain.begin(), domain.end(), domain.begin(), [](unsigned char c) { return std::tolower(c); });
    while (domain.starts_with("*.") || domain.starts_with(".")) domain.erase(0, domain.front() == '*' ? 2 : 1);
    if (domain.empty() || domain.find_first_of(" /:") != std::string::npos) {
      throw natter::ConfigError(config, key, "\"" + std::string(config.list_item(key, i)) +
                                                 "\" is not a domain (write it as example.com)");
    }
    out.push_back(std::move(domain));
  }
  return out;
}

}  // namespace

std::span<const natter::ConfigKey> LinksFilter::keys() { return kKeys; }

LinksFilter::LinksFilter(natter::Host& host, const natter::PluginConfig& config)
    : host_(host),
      deny_(domains(config, "deny_domains")),
      allow_(domains(config, "allow_domains")),
      refused_(host.counter("refused_total", "Messages refused for a link or a pattern")),
      removed_(host.counter("removed_total", "Links cut out of delivered messages")) {
  for (std::size_t i = 0; i < config.list_size("patterns"); ++i) {
    RE2::Options options;
    options.set_log_errors(false);
    auto pattern = std::make_unique<re2::RE2>(std::string(config.list_item("patterns", i)), options);
    if (!pattern->ok()) {
      throw natter::ConfigError(config, "patterns", "pattern " + std::to_string(i + 1) + " (\"" +
                                                        std::string(config.list_item("patterns", i)) +
                                                        "\"): " + pattern->error());
    }
    patterns_.push_back(std::move(pattern));
  }
  const std::string_view action = config.get_string("action");
  if (action != "reject" && action != "remove") {
    throw natter::ConfigError(config, "action", "must be \"reject\" or \"remove\" (got \"" + std::string(action) + "\")");
  }
  remove_ = action == "remove";
}

LinksFilter::~LinksFilter() = default;

bool LinksFilter::start(natter::Diagnostic&) noexcept {
  host_.log(natter::LogLevel::info, std::to_string(deny_.size()) + " denied domains, " +
                                        (allow_.empty() ? std::string("any other allowed")
                                                        : std::to_string(allow_.size()) + " allowed") +
                                        ", " + std::to_string(patterns_.size()) + " patterns; refused links " +
                                        (remove_ ? "removed" : "reject the message"));
  return true;
}

std::string LinksFilter::refusal(const std::string& host) const {
  for (const auto& domain : deny_) {
    if (host_within(host, domain)) return "links to " + domain + " are not allowed here";
  }
  if (allow_.empty()) return {};
  for (const auto& domain : allow_) {
    if (host_within(host, domain)) return {};
  }
  return "links to " + host + " are not allowed here";
}

void LinksFilter::inspect(const natter::MessageDraft& draft, natter::FilterVerdict& verdict) noexcept {
  try {
    const re2::StringPiece body(draft.body.data(), draft.body.size());
    for (std::size_t i = 0; i < patterns_.size(); ++i) {
      if (RE2::PartialMatch(body, *patterns_[i])) {
        refused_.add(1);
        verdict.reject("refused by the link filter (pattern " + std::to_string(i + 1) + ")");
        return;
      }
    }
    if (deny_.empty() && allow_.empty()) return;
    std::string rewritten;
    std::size_t copied = 0;
    for (const Link& link : finder_.find(draft.body)) {
      const std::string why = refusal(link.host);
      if (why.empty()) continue;
      if (!remove_) {
        refused_.add(1);
        verdict.reject(why);
        return;
      }
      rewritten.append(draft.body.substr(copied, link.begin - copied)).append("[link removed]");
      copied = link.end;
      removed_.add(1);
    }
    if (copied == 0) return;
    rewritten.append(draft.body.substr(copied));
    verdict.rewrite(rewritten);
  } catch (...) {
    // Out of memory: the message passes as it came, as without this filter.
  }
}

}  // namespace natter::links
