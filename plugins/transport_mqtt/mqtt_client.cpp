#include "mqtt_client.hpp"

#include <charconv>
#include <stdexcept>

#include <mosquitto.h>
#include <mqtt_protocol.h>

namespace natter::mqtt {

namespace {
constexpr int kInFlight = 1000;
}  // namespace

struct Callbacks {
  static void connect(mosquitto*, void* obj, int rc, int flags, const mosquitto_property*) {
    auto& self = *static_cast<MqttClient*>(obj);
    if (rc != 0) {
      self.handler_.disconnected(std::string("the broker refused the connection: ") + mosquitto_reason_string(rc));
      return;
    }
    self.connected_.store(true, std::memory_order_relaxed);
    self.subscribe_all();
    const bool first = !self.ever_connected_;
    self.ever_connected_ = true;
    self.handler_.connected(first, (flags & 1) != 0);
  }
  static void subscribe(mosquitto*, void* obj, int mid, int, const int*, const mosquitto_property*) {
    auto& self = *static_cast<MqttClient*>(obj);
    if (mid == self.last_subscribe_mid_.load()) self.handler_.subscribed();
  }
  static void disconnect(mosquitto*, void* obj, int rc, const mosquitto_property*) {
    auto& self = *static_cast<MqttClient*>(obj);
    const bool was = self.connected_.exchange(false, std::memory_order_relaxed);
    if (was) self.handler_.disconnected(rc == 0 ? "disconnected" : mosquitto_reason_string(rc));
  }
  static void publish(mosquitto*, void* obj, int, int, const mosquitto_property*) {
    auto& self = *static_cast<MqttClient*>(obj);
    self.acknowledged_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(self.drained_mutex_);
    self.drained_.notify_all();
  }
  static void message(mosquitto*, void* obj, const mosquitto_message* m, const mosquitto_property* props) {
    auto& self = *static_cast<MqttClient*>(obj);
    void* correlation = nullptr;
    std::uint16_t length = 0;
    mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &correlation, &length, false);
    self.handler_.received(m->topic,
                           std::span(static_cast<const std::byte*>(m->payload), static_cast<std::size_t>(m->payloadlen)),
                           std::string_view(static_cast<const char*>(correlation), correlation ? length : 0));
    free(correlation);
  }
};

bool usable_topic_prefix(std::string_view text) {
  return !text.empty() && text.find_first_of("+#") == std::string_view::npos && !text.starts_with('/') &&
         !text.ends_with('/') && !text.starts_with('$');
}

void MqttClient::Settings::set_broker(std::string_view broker) {
  const auto colon = broker.rfind(':');
  int number = 0;
  if (colon == std::string_view::npos || colon == 0 ||
      std::from_chars(broker.data() + colon + 1, broker.data() + broker.size(), number).ec != std::errc() ||
      number < 1 || number > 65535) {
    throw std::invalid_argument("write \"host:port\" (got '" + std::string(broker) + "')");
  }
  host = broker.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  port = number;
}

MqttClient::MqttClient(Settings settings, Handler& handler) : settings_(std::move(settings)), handler_(handler) {
  mosquitto_lib_init();
  mosq_ = mosquitto_new(settings_.client_id.c_str(), settings_.clean_session, this);
  if (!mosq_) throw std::runtime_error("libmosquitto could not make a client");
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, settings_.v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
  // natter publishes one event per device: libmosquitto's default of 20
  // unacknowledged QoS 1 messages would hold a fan-out to one round trip
  // per 20 deliveries. (MQTT 5: the broker's receive maximum still caps it.)
  mosquitto_int_option(mosq_, MOSQ_OPT_SEND_MAXIMUM, kInFlight);
  mosquitto_max_inflight_messages_set(mosq_, kInFlight);
  if (!settings_.username.empty() &&
      mosquitto_username_pw_set(mosq_, settings_.username.c_str(),
                                settings_.password.empty() ? nullptr : settings_.password.c_str()) != MOSQ_ERR_SUCCESS) {
    throw std::runtime_error("libmosquitto refused the user name or password");
  }
  if (!settings_.ca_file.empty()) {
    if (const int rc = mosquitto_tls_set(mosq_, settings_.ca_file.c_str(), nullptr, nullptr, nullptr, nullptr);
        rc != MOSQ_ERR_SUCCESS) {
      throw std::runtime_error("tls_ca_file '" + settings_.ca_file + "': " + mosquitto_strerror(rc));
    }
  }
  mosquitto_reconnect_delay_set(mosq_, 1, static_cast<unsigned>(settings_.reconnect_max_s), true);
  mosquitto_connect_v5_callback_set(mosq_, &Callbacks::connect);
  mosquitto_disconnect_v5_callback_set(mosq_, &Callbacks::disconnect);
  mosquitto_publish_v5_callback_set(mosq_, &Callbacks::publish);
  mosquitto_message_v5_callback_set(mosq_, &Callbacks::message);
  mosquitto_subscribe_v5_callback_set(mosq_, &Callbacks::subscribe);
}

MqttClient::~MqttClient() {
  if (started_) stop(std::chrono::milliseconds(0));
  mosquitto_destroy(mosq_);
}

void MqttClient::start() {
  const int rc = mosquitto_connect_async(mosq_, settings_.host.c_str(), settings_.port, settings_.keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS) {
    // Name resolution and the like: the loop tries again.
    handler_.disconnected(std::string("cannot connect yet: ") + mosquitto_strerror(rc));
  }
  if (const int loop = mosquitto_loop_start(mosq_); loop != MOSQ_ERR_SUCCESS) {
    throw std::runtime_error(std::string("cannot start libmosquitto's thread: ") + mosquitto_strerror(loop));
  }
  started_ = true;
}

void MqttClient::subscribe_all() {
  std::vector<std::string> all = settings_.subscriptions;
  {
    std::lock_guard lock(filters_mutex_);
    all.insert(all.end(), filters_.begin(), filters_.end());
  }
  int mid = -1;
  for (const std::string& filter : all) {
    mosquitto_subscribe_v5(mosq_, &mid, filter.c_str(), 1, settings_.subscribe_options, nullptr);
  }
  last_subscribe_mid_.store(mid);
  if (all.empty()) handler_.subscribed();
}

void MqttClient::subscribe(const std::string& filter) {
  std::lock_guard lock(filters_mutex_);
  if (!filters_.insert(filter).second) return;
  // Not connected: the next connect subscribes it with the rest.
  mosquitto_subscribe_v5(mosq_, nullptr, filter.c_str(), 1, settings_.subscribe_options, nullptr);
}

void MqttClient::unsubscribe(const std::string& filter) {
  std::lock_guard lock(filters_mutex_);
  if (filters_.erase(filter) == 0) return;
  mosquitto_unsubscribe(mosq_, nullptr, filter.c_str());
}

bool MqttClient::publish(std::string_view topic, std::span<const std::byte> payload, std::string_view correlation) {
  const std::string name(topic);
  mosquitto_property* props = nullptr;
  if (settings_.v5 && !correlation.empty() && correlation.size() <= 65535) {
    mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, correlation.data(),
                                  static_cast<std::uint16_t>(correlation.size()));
  }
  const int rc = mosquitto_publish_v5(mosq_, nullptr, name.c_str(), static_cast<int>(payload.size()), payload.data(), 1,
                                      false, props);
  mosquitto_property_free_all(&props);
  if (rc == MOSQ_ERR_SUCCESS || rc == MOSQ_ERR_NO_CONN) {
    published_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  return false;
}

void MqttClient::stop(std::chrono::milliseconds timeout) {
  if (!started_) return;
  if (is_connected()) {
    std::unique_lock lock(drained_mutex_);
    drained_.wait_for(lock, timeout, [&] {
      return acknowledged_.load(std::memory_order_relaxed) >= published_.load(std::memory_order_relaxed) ||
             !is_connected();
    });
  }
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, false);
  started_ = false;
}

}  // namespace natter::mqtt
