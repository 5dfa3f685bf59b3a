#pragma once
// transport_mqtt: MQTT devices in natter's rooms, through an MQTT broker
// (Mosquitto) that terminates their connections, TLS and passwords.
// natter attaches as one client (mqtt_client.hpp), reads what devices
// publish under <prefix>/in/<user>/<device> (mqtt_topics.hpp), and gives
// each device a session of its own (mqtt_sessions.hpp) whose events it
// publishes to <prefix>/out/<user>/<device>. The user comes from the topic,
// which the broker's ACL makes unforgeable, so the auth plugin is not
// asked (natter::ConnectInfo::authenticated). Commands and events are
// natter.v1 JSON, byte for byte as over WebSocket.

#include <atomic>
#include <memory>
#include <span>

#include <natter/plugin.hpp>

#include "mqtt_client.hpp"
#include "mqtt_config.hpp"
#include "mqtt_sessions.hpp"

namespace natter::mqtt {

class MqttTransport final : public natter::Transport, private MqttClient::Handler {
 public:
  MqttTransport(natter::Host& host, const natter::PluginConfig& config);
  ~MqttTransport();

  bool start(natter::BrokerEntry& broker, natter::Diagnostic& error) noexcept override;  // main thread
  void stop() noexcept override;                                                       // main thread

  static std::span<const natter::ConfigKey> keys() { return mqtt_keys(); }

 private:
  // MqttClient::Handler, on libmosquitto's thread.
  void connected(bool first, bool session_present) noexcept override;
  void disconnected(std::string_view reason) noexcept override;
  void received(std::string_view topic, std::span<const std::byte> payload, std::string_view correlation) noexcept override;

  void command(std::string_view user, std::string_view device, std::string_view text, std::string_view correlation);
  // An error for a command that never reached the broker, to the device.
  void refuse(std::string_view user, std::string_view device, std::string_view ref, std::string_view why,
              std::string_view correlation);

  natter::Host& host_;
  MqttSettings settings_;
  natter::BrokerEntry* broker_ = nullptr;
  std::unique_ptr<MqttClient> client_;
  std::unique_ptr<MqttSessions> sessions_;
  natter::Gauge& connected_gauge_;
  natter::Gauge& sessions_gauge_;
  natter::Counter& reconnects_;
  natter::Counter& commands_;
};

}  // namespace natter::mqtt
