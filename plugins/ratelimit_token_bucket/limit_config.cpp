#include "limit_config.hpp"

#include <algorithm>
#include <string>

namespace natter::ratelimit {

std::vector<LimitRule> rules_from(const natter::PluginConfig& config) {
  std::vector<LimitRule> rules;
  for (std::size_t i = 0; i < config.list_size("limits"); ++i) {
    try {
      rules.push_back(parse_rule(config.list_item("limits", i)));
    } catch (const RuleError& e) {
      throw natter::ConfigError(config, "limits", e.what());
    }
    const auto same_action = std::count_if(rules.begin(), rules.end(),
                                           [&](const LimitRule& r) { return r.action == rules.back().action; });
    if (same_action > static_cast<std::ptrdiff_t>(kMaxRulesPerAction)) {
      throw natter::ConfigError(config, "limits",
                                "more than " + std::to_string(kMaxRulesPerAction) + " rules for one action");
    }
  }
  return rules;
}

std::size_t max_keys_from(const natter::PluginConfig& config) {
  const std::int64_t value = config.get_int("max_keys");
  if (value < 100 || value > 100'000'000) {
    throw natter::ConfigError(config, "max_keys",
                              "must be between 100 and 100000000 (got " + std::to_string(value) + ")");
  }
  return static_cast<std::size_t>(value);
}

}  // namespace natter::ratelimit
