#pragma once
// natter's topics on the MQTT broker, under a prefix ("natter"):
//
//   natter/in/<user>/<device>        a device publishes natter.v1 commands
//   natter/in/<user>/<device>/bye    its last will: the device is gone
//   natter/out/<user>/<device>       natter publishes the device's events
//
// <device> is the device's MQTT client id. The shipped ACL
// (`pattern write natter/in/%u/%c/#`, `pattern read natter/out/%u/#`) lets a
// client write only under its own user name and client id, which is what
// makes the user in the topic trustworthy. Also Mosquitto's own notices
// ($SYS/broker/log/N, with `log_dest topic`), which say when a client id
// connects and disconnects. Pure functions; any thread.

#include <optional>
#include <string>
#include <string_view>

namespace natter::mqtt {

struct InboundTopic {
  std::string_view user, device;
  bool bye = false;  // the last will (or a goodbye), not a command
};

// The parts of a topic under "<prefix>/in/", or nullopt for any other
// topic or a malformed one (an empty level, more levels).
std::optional<InboundTopic> parse_inbound(std::string_view prefix, std::string_view topic);

std::string inbound_filter(std::string_view prefix);  // "<prefix>/in/#"
std::string outbound_topic(std::string_view prefix, std::string_view user, std::string_view device);

inline constexpr std::string_view kNoticeTopic = "$SYS/broker/log/N";

// What a Mosquitto notice says about a client id, if anything.
struct ClientNotice {
  enum class Kind { connected, disconnected } kind;
  std::string client_id;
  std::string address;  // "ip:port", for connected
};
std::optional<ClientNotice> parse_notice(std::string_view text);

}  // namespace natter::mqtt
