#pragma once
// The token buckets in Redis: one Lua script decides one action against
// every rule that applies to it, atomically (Redis runs a script alone),
// with Redis's own clock so that nodes whose clocks differ still share one
// budget. A bucket is a hash {tokens, at} that expires once it would be
// full again, so idle keys cost Redis nothing. Pure functions; any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "limit_rules.hpp"

namespace natter::ratelimit {

// The script's source; SCRIPT LOAD gives its SHA1, which EVALSHA calls.
std::string_view bucket_script();

// One action to decide, with the strings it names owned (it outlives the
// caller's request while it waits for Redis).
struct SharedAsk {
  natter::LimitedAction action;
  std::string user, room;
  std::string remote_address;  // "host:port", as the transport gave it
  std::uint64_t session = 0;
  std::uint32_t cost = 1;
};

// The buckets' Redis keys for `rules`: "<prefix><rule>:<key>", where <rule>
// names the action, key kind, rate and burst, so nodes configured with the
// same rule share its buckets, and a changed rule starts fresh ones. A
// connection's key is "<node>.<session>": sessions are numbered per node.
class BucketKeys {
 public:
  BucketKeys(std::string prefix, const std::vector<LimitRule>& rules, std::uint32_t node);

  // EVALSHA sha N key1..keyN cost rate1 burst1 .. rateN burstN, for the
  // rules of ask.action; empty if no rule limits it.
  std::vector<std::string> call(std::string_view sha, const SharedAsk& ask) const;

 private:
  struct Rule {
    natter::LimitedAction action;
    KeyKind key;
    std::string key_stem;  // "<prefix><rule>:"
    std::string rate_per_ms, burst;
  };
  std::vector<Rule> rules_;
  std::string node_;
};

}  // namespace natter::ratelimit
