#pragma once
// The token bucket limiter's rules, one per config line:
//
//   "send per user 5/s burst 20"
//   "connect per ip 30/min burst 10"
//
// ACTION (send, connect, join, typing, create_room, edit) per KEY (user,
// ip, connection, room) RATE/UNIT (s, min, h) burst N: each key gets a
// bucket of N tokens, refilled at RATE; an action takes one token from
// every rule's bucket that applies to it. Any thread.

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <natter/ratelimit.hpp>

namespace natter::ratelimit {

enum class KeyKind : std::uint8_t { user, ip, connection, room };

struct LimitRule {
  natter::LimitedAction action;
  KeyKind key;
  double tokens_per_second;
  double burst;
  std::string text;  // as written, for logs
};

// Thrown with what is wrong with one line, quoting it.
class RuleError : public std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// At most this many rules may name one action: their buckets are looked
// at together, in one decision.
inline constexpr std::size_t kMaxRulesPerAction = 16;

LimitRule parse_rule(std::string_view line);

// The words a rule is written with, as parse_rule() reads them.
std::string_view name_of(natter::LimitedAction action) noexcept;
std::string_view name_of(KeyKind key) noexcept;

// The address part of "host:port" or "[v6]:port", the key an `ip` rule uses.
std::string_view address_of(std::string_view remote) noexcept;

}  // namespace natter::ratelimit
