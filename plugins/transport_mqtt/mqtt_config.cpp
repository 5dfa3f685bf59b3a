#include "mqtt_config.hpp"

namespace natter::mqtt {

namespace {

using natter::KeyType;

constexpr natter::ConfigKey kKeys[] = {
    {"broker", KeyType::string, "127.0.0.1:1883", "The MQTT broker (Mosquitto) natter attaches to: \"host:port\""},
    {"username", KeyType::string, "natter", "natter's own user on the MQTT broker"},
    {"password", KeyType::string, "", "Its password; empty: none"},
    {"client_id", KeyType::string, "", "natter's own client id (a persistent session); empty: natter-<node_id>"},
    {"protocol", KeyType::string, "5", "MQTT version of natter's own connection: \"5\" or \"3.1.1\""},
    {"tls_ca_file", KeyType::string, "", "CA certificates (PEM) to check the broker with; set: TLS, empty: plain TCP"},
    {"topic_prefix", KeyType::string, "natter",
     "Devices publish to <prefix>/in/<user>/<client id> and read <prefix>/out/<user>/<client id>"},
    {"keepalive_s", KeyType::integer, "30", "MQTT keepalive of natter's own connection (5-600)"},
    {"reconnect_max_s", KeyType::integer, "30", "Longest pause between attempts to reach the broker again (1-600)"},
    {"max_message_bytes", KeyType::integer, "65536", "Largest command a device may publish"},
    {"linger_ms", KeyType::integer, "30000",
     "How long a device's session outlives its connection (it keeps its rooms, and its events wait in the "
     "broker if its session there is persistent); its last will ends it at once"},
    {"presence_notices", KeyType::boolean, "true",
     "Read the broker's connect and disconnect notices ($SYS/broker/log/N; Mosquitto's log_dest topic)"},
};

}  // namespace

std::span<const natter::ConfigKey> mqtt_keys() { return kKeys; }

MqttSettings read_mqtt_settings(const natter::PluginConfig& config, std::uint32_t node_id) {
  MqttSettings s;
  try {
    s.client.set_broker(config.get_string("broker"));
  } catch (const std::invalid_argument& e) {
    throw natter::ConfigError(config, "broker", e.what());
  }
  s.client.username = config.get_string("username");
  s.client.password = config.get_string("password");
  s.client.client_id = config.get_string("client_id");
  if (s.client.client_id.empty()) s.client.client_id = "natter-" + std::to_string(node_id);
  const std::string_view protocol = config.get_string("protocol");
  if (protocol != "5" && protocol != "3.1.1") {
    throw natter::ConfigError(config, "protocol", "must be \"5\" or \"3.1.1\" (got '" + std::string(protocol) + "')");
  }
  s.client.v5 = protocol == "5";
  s.client.ca_file = config.get_string("tls_ca_file");
  s.client.keepalive_s = static_cast<int>(natter::int_in_range(config, "keepalive_s", 5, 600));
  s.client.reconnect_max_s = static_cast<int>(natter::int_in_range(config, "reconnect_max_s", 1, 600));
  s.topic_prefix = config.get_string("topic_prefix");
  if (!usable_topic_prefix(s.topic_prefix)) {
    throw natter::ConfigError(config, "topic_prefix", "must be a topic without wildcards, '$' or a leading or "
                                                      "trailing '/' (got '" + s.topic_prefix + "')");
  }
  s.max_message_bytes = static_cast<std::size_t>(natter::int_in_range(config, "max_message_bytes", 64, 16 << 20));
  s.linger = std::chrono::milliseconds(natter::int_in_range(config, "linger_ms", 0, 86'400'000));
  s.presence_notices = config.get_bool("presence_notices");
  return s;
}

}  // namespace natter::mqtt
