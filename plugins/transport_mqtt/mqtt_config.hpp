#pragma once
// The MQTT transport's settings, read once from its config table.

#include <chrono>
#include <span>
#include <string>

#include <natter/plugin.hpp>

#include "mqtt_client.hpp"

namespace natter::mqtt {

struct MqttSettings {
  MqttClient::Settings client;  // subscriptions filled in by the transport
  std::string topic_prefix;
  std::size_t max_message_bytes = 0;
  std::chrono::milliseconds linger{0};
  bool presence_notices = true;
};

std::span<const natter::ConfigKey> mqtt_keys();

// Throws natter::ConfigError for values out of range. `node_id` names
// natter's own client when `client_id` is empty.
MqttSettings read_mqtt_settings(const natter::PluginConfig& config, std::uint32_t node_id);

}  // namespace natter::mqtt
