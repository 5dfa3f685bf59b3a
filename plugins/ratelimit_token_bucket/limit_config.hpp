#pragma once
// The config keys every token-bucket limiter shares (this plugin's, and
// ratelimit_redis's fallback): the rules and the bound on buckets kept.
// Read in a plugin's constructor; throws natter::ConfigError.

#include <cstddef>
#include <vector>

#include <natter/plugin.hpp>

#include "limit_rules.hpp"

namespace natter::ratelimit {

inline constexpr natter::ConfigKey kLimitsKey = {
    "limits", natter::KeyType::string_list,
    "send per user 5/s burst 20,send per ip 50/s burst 200,join per user 2/s burst 20,"
    "typing per connection 2/s burst 6,create_room per user 6/min burst 3,edit per user 2/s burst 10,"
    "connect per ip 5/s burst 30",
    "Rules \"ACTION per KEY RATE/UNIT burst N\": actions send, connect, join, typing, create_room, edit; keys "
    "user, ip, connection, room; units s, min, h"};
inline constexpr natter::ConfigKey kMaxKeysKey = {
    "max_keys", natter::KeyType::integer, "100000",
    "Buckets kept at most; idle ones are forgotten once full, and past this the oldest go"};

std::vector<LimitRule> rules_from(const natter::PluginConfig& config);
std::size_t max_keys_from(const natter::PluginConfig& config);

}  // namespace natter::ratelimit
