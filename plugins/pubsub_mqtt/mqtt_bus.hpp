#pragma once
// Pub/sub through an MQTT broker (Mosquitto): every node is one MQTT
// client with its own persistent session (client id natter-bus-<node_id>),
// publishing and subscribing at QoS 1 under `topic_prefix`. Subscriptions
// carry MQTT 5's no-local option, so a node never hears its own
// publications. While a node is cut off, the broker queues what it is
// subscribed to and libmosquitto what it publishes, so a short outage
// loses nothing; only when the broker has lost the session (restarted
// without persistence, or the session expired) is the broker told of a
// gap, once every topic is subscribed again. At start the session of an
// earlier run of this node is wiped, so nothing from before it arrives.
// Topic levels keep natter's names, with '+', '#' and '%' escaped as %2B,
// %23 and %25.

#include <atomic>
#include <memory>
#include <string>

#include <natter/plugin.hpp>

#include "mqtt_client.hpp"

namespace natter::pubsub {

class MqttBus final : public natter::PubSub, public natter::mqtt::MqttClient::Handler {
 public:
  static std::span<const natter::ConfigKey> keys();

  MqttBus(natter::Host& host, const natter::PluginConfig& config);
  ~MqttBus();

  bool start(natter::BusListener& listener, natter::Diagnostic& error) noexcept override;
  void subscribe(std::string_view topic) noexcept override;
  void unsubscribe(std::string_view topic) noexcept override;
  void publish(std::string_view topic, std::span<const std::byte> payload) noexcept override;
  void stop() noexcept override;

  // MqttClient::Handler: libmosquitto's thread.
  void connected(bool first, bool session_present) noexcept override;
  void subscribed() noexcept override;
  void disconnected(std::string_view reason) noexcept override;
  void received(std::string_view topic, std::span<const std::byte> payload,
                std::string_view correlation) noexcept override;

 private:
  std::string mqtt_topic(std::string_view topic) const;
  void wipe_earlier_session();

  natter::Host& host_;
  natter::mqtt::MqttClient::Settings settings_;
  std::string prefix_;  // topic_prefix and '/'
  natter::BusListener* listener_ = nullptr;
  std::unique_ptr<natter::mqtt::MqttClient> client_;
  std::atomic<bool> gap_pending_{false};
  std::string gap_reason_;  // libmosquitto's thread
  natter::Gauge& connected_gauge_;
  natter::Counter& published_;
  natter::Counter& received_;
  natter::Counter& dropped_;
  natter::Counter& reconnects_;
  natter::Counter& gaps_;
};

}  // namespace natter::pubsub
