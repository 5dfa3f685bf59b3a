#include "limit_rules.hpp"

#include <charconv>
#include <sstream>

namespace natter::ratelimit {

namespace {

natter::LimitedAction action_named(const std::string& word, std::string_view line) {
  if (word == "send") return natter::LimitedAction::send;
  if (word == "connect") return natter::LimitedAction::connect;
  if (word == "join") return natter::LimitedAction::join;
  if (word == "typing") return natter::LimitedAction::typing;
  if (word == "create_room") return natter::LimitedAction::create_room;
  if (word == "edit") return natter::LimitedAction::edit;
  throw RuleError("\"" + std::string(line) + "\": no action '" + word +
                  "' (send, connect, join, typing, create_room, edit)");
}

KeyKind key_named(const std::string& word, std::string_view line) {
  if (word == "user") return KeyKind::user;
  if (word == "ip") return KeyKind::ip;
  if (word == "connection") return KeyKind::connection;
  if (word == "room") return KeyKind::room;
  throw RuleError("\"" + std::string(line) + "\": no key '" + word + "' (user, ip, connection, room)");
}

double positive_number(std::string_view text, std::string_view what, std::string_view line) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !(value > 0)) {
    throw RuleError("\"" + std::string(line) + "\": " + std::string(what) + " must be a positive number (got '" +
                    std::string(text) + "')");
  }
  return value;
}

}  // namespace

LimitRule parse_rule(std::string_view line) {
  std::istringstream in{std::string(line)};
  std::string action, per, key, rate, burst_word, burst, extra;
  in >> action >> per >> key >> rate >> burst_word >> burst;
  if (per != "per" || burst_word != "burst" || burst.empty() || (in >> extra)) {
    throw RuleError("\"" + std::string(line) + "\": write ACTION per KEY RATE/UNIT burst N, as in "
                    "\"send per user 5/s burst 20\"");
  }
  LimitRule rule{action_named(action, line), key_named(key, line), 0, 0, std::string(line)};
  if (rule.key == KeyKind::room && rule.action == natter::LimitedAction::connect) {
    throw RuleError("\"" + std::string(line) + "\": connecting names no room");
  }
  const auto slash = rate.find('/');
  const std::string unit = slash == std::string::npos ? "" : rate.substr(slash + 1);
  const double per_unit = unit == "s" ? 1 : unit == "min" ? 60 : unit == "h" ? 3600 : 0;
  if (per_unit == 0) {
    throw RuleError("\"" + std::string(line) + "\": a rate is N/s, N/min or N/h (got '" + rate + "')");
  }
  rule.tokens_per_second = positive_number(std::string_view(rate).substr(0, slash), "the rate", line) / per_unit;
  rule.burst = positive_number(burst, "the burst", line);
  if (rule.burst < 1) throw RuleError("\"" + std::string(line) + "\": a burst below 1 admits nothing");
  return rule;
}

std::string_view name_of(natter::LimitedAction action) noexcept {
  switch (action) {
    case natter::LimitedAction::send: return "send";
    case natter::LimitedAction::connect: return "connect";
    case natter::LimitedAction::join: return "join";
    case natter::LimitedAction::typing: return "typing";
    case natter::LimitedAction::create_room: return "create_room";
    case natter::LimitedAction::edit: return "edit";
  }
  return "unknown";
}

std::string_view name_of(KeyKind key) noexcept {
  switch (key) {
    case KeyKind::user: return "user";
    case KeyKind::ip: return "ip";
    case KeyKind::connection: return "connection";
    case KeyKind::room: return "room";
  }
  return "unknown";
}

std::string_view address_of(std::string_view remote) noexcept {
  if (remote.starts_with('[')) {
    const auto close = remote.find(']');
    return close == std::string_view::npos ? remote : remote.substr(1, close - 1);
  }
  const auto colon = remote.rfind(':');
  return colon == std::string_view::npos ? remote : remote.substr(0, colon);
}

}  // namespace natter::ratelimit
