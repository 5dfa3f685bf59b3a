#include "mqtt_link.hpp"

#include <utility>

#include "json_writer.hpp"
#include "mqtt_sessions.hpp"
#include "protocol_codec.hpp"

namespace natter::mqtt {

MqttLink::MqttLink(MqttClient& client, MqttSessions& owner, std::string user, std::string device, std::string topic)
    : client_(client), owner_(owner), user_(std::move(user)), device_(std::move(device)), topic_(std::move(topic)) {}

void MqttLink::opened(natter::SessionPort* port) noexcept {
  std::lock_guard lock(port_mutex_);
  if (ended_) {
    port->close();  // the broker refused it before open_session() returned
    return;
  }
  port_ = port;
}

void MqttLink::deliver(const natter::SharedEvent& event) noexcept {
  // The ref rides along as MQTT 5 correlation data too, for clients that
  // match replies to requests that way.
  client_.publish(topic_, event.encoded(natter::ws::JsonEncoder::instance()), event.event().ref);
}

void MqttLink::close(natter::CloseCode code, std::string_view reason) noexcept {
  try {
    std::string text;
    natter::ws::JsonWriter w(text);
    w.begin_object()
        .member("type", "closed")
        .member("code", static_cast<std::int64_t>(code))
        .member("reason", reason)
        .end_object();
    publish(text);
  } catch (...) {
  }
  // Not from here: the broker's thread must not be called back.
  owner_.end_soon(*this);
}

void MqttLink::detached() noexcept { owner_.forget(this); }

bool MqttLink::submit(const natter::Command& command) noexcept {
  std::lock_guard lock(port_mutex_);
  if (!port_) return false;
  port_->submit(command);
  return true;
}

void MqttLink::end() noexcept {
  std::lock_guard lock(port_mutex_);
  ended_ = true;
  if (port_) std::exchange(port_, nullptr)->close();
}

void MqttLink::publish(std::string_view json, std::string_view correlation) noexcept {
  client_.publish(topic_, std::as_bytes(std::span(json.data(), json.size())), correlation);
}

}  // namespace natter::mqtt
