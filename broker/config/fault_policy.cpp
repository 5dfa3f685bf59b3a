#include "config/fault_policy.hpp"

#include "config/config_table.hpp"
#include "config/settings.hpp"
#include "config/toml_document.hpp"

namespace natter::config {

namespace {

using natter::KeyType;
using natter::PluginKind;

constexpr natter::ConfigKey kFaultKeys[] = {
    {"on_failure", KeyType::string, "",
     "\"fail_closed\" refuses what needs the plugin while it cannot answer, \"fail_open\" lets it through; "
     "empty: the kind's default (fail_open for ratelimit and hook, fail_closed for the rest)"},
    {"deadline_ms", KeyType::integer, "5000", "How long the broker waits for one call, retries included"},
    {"retries", KeyType::integer, "2", "Retries of a failed call that is safe to repeat (reads, signing URLs)"},
    {"backoff_ms", KeyType::integer, "50",
     "Ceiling of the first retry's random wait (full jitter); it doubles for each further retry"},
    {"backoff_max_ms", KeyType::integer, "1000", "The largest ceiling of a retry's wait"},
    {"trip_after", KeyType::integer, "5", "Consecutive failed or late calls that open the circuit breaker"},
    {"open_ms", KeyType::integer, "10000",
     "How long an open breaker answers every call at once, before one trial call (half-open)"},
};

bool open_by_default(PluginKind kind) { return kind == PluginKind::ratelimit || kind == PluginKind::hook; }

}  // namespace

bool guarded_kind(PluginKind kind) {
  return kind == PluginKind::auth || kind == PluginKind::ratelimit || kind == PluginKind::storage ||
         kind == PluginKind::hook || kind == PluginKind::attachments;
}

std::span<const natter::ConfigKey> fault_keys() { return kFaultKeys; }

FaultPolicy read_fault_policy(const toml::value* plugin_table, PluginKind kind, const std::string& section,
                              std::vector<std::string>& problems) {
  FaultPolicy policy;
  policy.fail_open = open_by_default(kind);
  const toml::value* table = nullptr;
  if (plugin_table && plugin_table->is_table() && plugin_table->contains("faults")) {
    table = &plugin_table->as_table().at("faults");
  }
  if (!table) return policy;
  const std::string faults_section = section + ".faults";
  if (!table->is_table()) {
    problems.push_back(where(*table) + ": [" + faults_section + "] must be a table (got " + spelled(*table) + ")");
    return policy;
  }
  if (!guarded_kind(kind)) {
    problems.push_back(where(*table) + ": [" + faults_section + "]: " + std::string(kind_name(kind)) +
                       " plugins have no fault policy; only auth, ratelimit, storage, hook and attachments plugins "
                       "have one");
    return policy;
  }
  const ConfigTable t = ConfigTable::validate(table, faults_section, "the broker", kFaultKeys, {}, problems);
  const std::string_view mode = t.get_string("on_failure");
  if (mode == "fail_open") {
    policy.fail_open = true;
  } else if (mode == "fail_closed") {
    policy.fail_open = false;
  } else if (!mode.empty()) {
    problems.push_back(t.location_of("on_failure") + "must be \"fail_open\" or \"fail_closed\" (got \"" +
                       std::string(mode) + "\")");
  }
  if (policy.fail_open && kind == PluginKind::attachments) {
    problems.push_back(t.location_of("on_failure") +
                       "attachments cannot fail open: without the plugin there is no URL to hand out");
  }
  auto read = [&](std::string_view key, std::int64_t low, std::int64_t high, std::uint32_t& out) {
    const std::int64_t value = t.get_int(key);
    if (value < low || value > high) {
      problems.push_back(t.location_of(key) + "must be between " + std::to_string(low) + " and " +
                         std::to_string(high) + " (got " + std::to_string(value) + ")");
      return;
    }
    out = static_cast<std::uint32_t>(value);
  };
  read("deadline_ms", 10, 600'000, policy.deadline_ms);
  read("retries", 0, 10, policy.retries);
  read("backoff_ms", 1, 60'000, policy.backoff_ms);
  read("backoff_max_ms", 1, 600'000, policy.backoff_max_ms);
  read("trip_after", 1, 1'000'000, policy.trip_after);
  read("open_ms", 10, 3'600'000, policy.open_ms);
  if (policy.backoff_max_ms < policy.backoff_ms) {
    problems.push_back(t.location_of("backoff_max_ms") + "must not be less than backoff_ms (" +
                       std::to_string(policy.backoff_ms) + ")");
  }
  return policy;
}

}  // namespace natter::config
