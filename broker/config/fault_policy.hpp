#pragma once
// How the broker treats one plugin's calls when the plugin is slow or
// failing: the `faults` table inside a plugin's own table
// ([storage.faults], [[ratelimit]] ... [ratelimit.faults]). Read once at
// start (and for a reloaded rate limiter); immutable afterwards, so any
// thread may read it.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <natter/abi.hpp>
#include <toml.hpp>

namespace natter::config {

struct FaultPolicy {
  // What a call the plugin could not answer (breaker open, deadline passed)
  // turns into: the action refused (closed) or let through (open).
  bool fail_open = false;
  std::uint32_t deadline_ms = 5000;  // one call, retries included
  std::uint32_t retries = 2;         // of an idempotent call that failed
  std::uint32_t backoff_ms = 50;     // first retry's ceiling; doubles each time
  std::uint32_t backoff_max_ms = 1000;
  std::uint32_t trip_after = 5;      // consecutive failures that open the breaker
  std::uint32_t open_ms = 10000;     // how long it stays open before a trial call
};

// Whether the broker guards calls to plugins of `kind` (auth, ratelimit,
// storage, hook, attachments): the kinds whose calls it waits for.
bool guarded_kind(natter::PluginKind kind);

// The keys of a `faults` table, declared like a plugin's.
std::span<const natter::ConfigKey> fault_keys();

// `plugin_table`'s `faults` table (absent: the kind's defaults) for a
// plugin of `kind` configured in [section]. Each problem is appended to
// `problems`; the returned policy is then meaningless.
FaultPolicy read_fault_policy(const toml::value* plugin_table, natter::PluginKind kind, const std::string& section,
                              std::vector<std::string>& problems);

}  // namespace natter::config
