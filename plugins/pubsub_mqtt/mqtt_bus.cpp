#include "mqtt_bus.hpp"

#include <mosquitto.h>
#include <mqtt_protocol.h>

namespace natter::pubsub {

namespace {

using natter::KeyType;

constexpr natter::ConfigKey kKeys[] = {
    {"broker", KeyType::string, "127.0.0.1:1883", "The MQTT broker the nodes share: \"host:port\""},
    {"username", KeyType::string, "natter", "The nodes' user on the MQTT broker"},
    {"password", KeyType::string, "", "Its password; empty: none"},
    {"client_id", KeyType::string, "", "This node's client id (a persistent session); empty: natter-bus-<node_id>"},
    {"tls_ca_file", KeyType::string, "", "CA certificates (PEM) to check the broker with; set: TLS, empty: plain TCP"},
    {"topic_prefix", KeyType::string, "natter-bus", "First level of every topic the nodes use among themselves"},
    {"keepalive_s", KeyType::integer, "10", "MQTT keepalive: a dead connection shows within 1.5 times this (5-600)"},
    {"reconnect_max_s", KeyType::integer, "10", "Longest pause between attempts to reach the broker again (1-600)"},
};

std::string escaped(std::string_view level) {
  std::string out;
  out.reserve(level.size());
  for (char c : level) {
    if (c == '+') out += "%2B";
    else if (c == '#') out += "%23";
    else if (c == '%') out += "%25";
    else out += c;
  }
  return out;
}

std::string unescaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::string_view code = text.substr(i, 3);
    if (code == "%2B") out += '+';
    else if (code == "%23") out += '#';
    else if (code == "%25") out += '%';
    else {
      out += text[i];
      continue;
    }
    i += 2;
  }
  return out;
}

natter::mqtt::MqttClient::Settings settings_of(const natter::PluginConfig& config, std::uint32_t node_id) {
  natter::mqtt::MqttClient::Settings s;
  try {
    s.set_broker(config.get_string("broker"));
  } catch (const std::invalid_argument& e) {
    throw natter::ConfigError(config, "broker", e.what());
  }
  s.username = config.get_string("username");
  s.password = config.get_string("password");
  s.client_id = config.get_string("client_id");
  if (s.client_id.empty()) s.client_id = "natter-bus-" + std::to_string(node_id);
  s.ca_file = config.get_string("tls_ca_file");
  s.keepalive_s = static_cast<int>(natter::int_in_range(config, "keepalive_s", 5, 600));
  s.reconnect_max_s = static_cast<int>(natter::int_in_range(config, "reconnect_max_s", 1, 600));
  s.v5 = true;  // for no-local subscriptions
  s.subscribe_options = MQTT_SUB_OPT_NO_LOCAL;
  return s;
}

std::string prefix_of(const natter::PluginConfig& config) {
  const std::string prefix(config.get_string("topic_prefix"));
  if (!natter::mqtt::usable_topic_prefix(prefix)) {
    throw natter::ConfigError(config, "topic_prefix", "must be a topic without wildcards, '$' or a leading or "
                                                      "trailing '/' (got '" + prefix + "')");
  }
  return prefix + "/";
}

}  // namespace

std::span<const natter::ConfigKey> MqttBus::keys() { return kKeys; }

MqttBus::MqttBus(natter::Host& host, const natter::PluginConfig& config)
    : host_(host),
      settings_(settings_of(config, host.node_id())),
      prefix_(prefix_of(config)),
      connected_gauge_(host.gauge("bus_connected", "1 while connected to the MQTT broker, else 0")),
      published_(host.counter("bus_published_total", "Publications handed to libmosquitto")),
      received_(host.counter("bus_received_total", "Publications of other nodes handed to the broker")),
      dropped_(host.counter("bus_dropped_total", "Publications libmosquitto refused (too big, out of memory)")),
      reconnects_(host.counter("bus_reconnects_total", "Connections to the MQTT broker made again after one was lost")),
      gaps_(host.counter("bus_gaps_total", "Times the broker had lost this node's session, and publications with it")) {}

MqttBus::~MqttBus() { stop(); }

void MqttBus::wipe_earlier_session() {
  // A clean session under the same client id ends what an earlier run of
  // this node left in the broker (subscriptions, queued messages).
  mosquitto* wipe = mosquitto_new(settings_.client_id.c_str(), true, nullptr);
  if (!wipe) return;
  mosquitto_int_option(wipe, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  if (!settings_.username.empty()) {
    mosquitto_username_pw_set(wipe, settings_.username.c_str(),
                              settings_.password.empty() ? nullptr : settings_.password.c_str());
  }
  if (!settings_.ca_file.empty()) mosquitto_tls_set(wipe, settings_.ca_file.c_str(), nullptr, nullptr, nullptr, nullptr);
  if (mosquitto_connect(wipe, settings_.host.c_str(), settings_.port, 5) == MOSQ_ERR_SUCCESS) {
    mosquitto_loop(wipe, 2000, 1);  // the CONNACK
    mosquitto_disconnect(wipe);
    mosquitto_loop(wipe, 100, 1);
  }
  mosquitto_destroy(wipe);
}

bool MqttBus::start(natter::BusListener& listener, natter::Diagnostic& error) noexcept {
  listener_ = &listener;
  try {
    mosquitto_lib_init();
    wipe_earlier_session();
    client_ = std::make_unique<natter::mqtt::MqttClient>(settings_, *this);
    client_->start();
  } catch (const std::exception& e) {
    error.report(e.what());
    return false;
  }
  return true;
}

std::string MqttBus::mqtt_topic(std::string_view topic) const { return prefix_ + escaped(topic); }

void MqttBus::subscribe(std::string_view topic) noexcept {
  try {
    client_->subscribe(mqtt_topic(topic));
  } catch (...) {
    // No memory: the topic stays unheard, as if its publications were lost.
  }
}

void MqttBus::unsubscribe(std::string_view topic) noexcept {
  try {
    client_->unsubscribe(mqtt_topic(topic));
  } catch (...) {
  }
}

void MqttBus::publish(std::string_view topic, std::span<const std::byte> payload) noexcept {
  try {
    if (client_->publish(mqtt_topic(topic), payload)) {
      published_.add(1);
      return;
    }
  } catch (...) {
  }
  dropped_.add(1);
}

void MqttBus::stop() noexcept {
  if (!client_) return;
  client_->stop(std::chrono::milliseconds(2000));
  client_.reset();
}

void MqttBus::connected(bool first, bool session_present) noexcept {
  connected_gauge_.set(1);
  if (first) {
    host_.log(natter::LogLevel::info, "connected to the MQTT broker");
    return;
  }
  reconnects_.add(1);
  if (session_present) {
    host_.log(natter::LogLevel::info, "connected to the MQTT broker again; it kept this node's session");
    return;
  }
  gap_reason_ = "the MQTT broker lost this node's session (restarted without persistence, or it expired)";
  gap_pending_ = true;
}

void MqttBus::subscribed() noexcept {
  if (!gap_pending_.exchange(false)) return;
  gaps_.add(1);
  listener_->gap(gap_reason_);
}

void MqttBus::disconnected(std::string_view reason) noexcept {
  connected_gauge_.set(0);
  host_.log(natter::LogLevel::warn, "lost the MQTT broker: " + std::string(reason));
}

void MqttBus::received(std::string_view topic, std::span<const std::byte> payload, std::string_view) noexcept {
  if (!topic.starts_with(prefix_)) return;
  try {
    received_.add(1);
    listener_->received(unescaped(topic.substr(prefix_.size())), payload);
  } catch (...) {
  }
}

}  // namespace natter::pubsub
