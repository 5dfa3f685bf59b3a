#include "mqtt_topics.hpp"

#include <array>

namespace natter::mqtt {

std::optional<InboundTopic> parse_inbound(std::string_view prefix, std::string_view topic) {
  if (!topic.starts_with(prefix) || !topic.substr(prefix.size()).starts_with("/in/")) return std::nullopt;
  std::string_view rest = topic.substr(prefix.size() + 4);
  std::array<std::string_view, 4> levels{};
  std::size_t count = 0;
  while (count < levels.size()) {
    const auto slash = rest.find('/');
    levels[count++] = rest.substr(0, slash);
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
    if (count == levels.size()) return std::nullopt;  // a fifth level
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (levels[i].empty()) return std::nullopt;
  }
  if (count == 2) return InboundTopic{levels[0], levels[1], false};
  if (count == 3 && levels[2] == "bye") return InboundTopic{levels[0], levels[1], true};
  return std::nullopt;
}

std::string inbound_filter(std::string_view prefix) { return std::string(prefix) + "/in/#"; }

std::string outbound_topic(std::string_view prefix, std::string_view user, std::string_view device) {
  std::string topic(prefix);
  topic.append("/out/").append(user).append("/").append(device);
  return topic;
}

std::optional<ClientNotice> parse_notice(std::string_view text) {
  // "<unix time>: " comes first.
  if (const auto colon = text.find(": "); colon != std::string_view::npos) text.remove_prefix(colon + 2);
  if (text.ends_with('\n')) text.remove_suffix(1);
  constexpr std::string_view kConnected = "New client connected from ";
  if (text.starts_with(kConnected)) {
    // "New client connected from 127.0.0.1:42010 as dev1 (p2, c1, k60, u'alice')."
    text.remove_prefix(kConnected.size());
    const auto as = text.find(" as ");
    const auto details = text.rfind(" (");
    if (as == std::string_view::npos || details == std::string_view::npos || details < as + 4) return std::nullopt;
    return ClientNotice{ClientNotice::Kind::connected, std::string(text.substr(as + 4, details - as - 4)),
                        std::string(text.substr(0, as))};
  }
  constexpr std::string_view kClient = "Client ";
  if (!text.starts_with(kClient)) return std::nullopt;
  text.remove_prefix(kClient.size());
  // The client id may hold spaces, so the ending decides where it stops.
  for (const std::string_view ending : {" disconnected.", " closed its connection.", " has exceeded timeout, disconnecting.",
                                        " disconnected, not authorised.", " disconnected due to protocol error."}) {
    if (text.ends_with(ending) && text.size() > ending.size()) {
      return ClientNotice{ClientNotice::Kind::disconnected, std::string(text.substr(0, text.size() - ending.size())),
                          {}};
    }
  }
  return std::nullopt;
}

}  // namespace natter::mqtt
