#pragma once
// One device's session as the broker sees it: a natter::ClientLink whose
// events are published to natter/out/<user>/<device> at QoS 1. Owned by
// MqttSessions, which frees it once the broker has detached it.
//
// Threads: deliver() and close() come from the broker's threads; submit()
// and end() (the session's commands and its end, which must not overlap)
// from libmosquitto's thread or MqttSessions' reaper, under `port_mutex_`.

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include <natter/plugin.hpp>

#include "mqtt_client.hpp"

namespace natter::mqtt {

class MqttSessions;

class MqttLink final : public natter::ClientLink {
 public:
  MqttLink(MqttClient& client, MqttSessions& owner, std::string user, std::string device, std::string topic);

  // ClientLink, the broker's side.
  void deliver(const natter::SharedEvent& event) noexcept override;
  void close(natter::CloseCode code, std::string_view reason) noexcept override;
  void detached() noexcept override;

  // The transport's side.
  void opened(natter::SessionPort* port) noexcept;
  // Hands a command to the broker; false if the session has ended.
  bool submit(const natter::Command& command) noexcept;
  // Ends the session from this side (the device left, or natter stops).
  void end() noexcept;
  // Publishes bytes the transport made itself (an error for a command that
  // never decoded) to the device.
  void publish(std::string_view json, std::string_view correlation = {}) noexcept;

  const std::string& user() const noexcept { return user_; }
  const std::string& device() const noexcept { return device_; }

 private:
  MqttClient& client_;
  MqttSessions& owner_;
  const std::string user_, device_, topic_;
  std::mutex port_mutex_;
  natter::SessionPort* port_ = nullptr;  // null until opened, and once ended
  bool ended_ = false;  // end() came, perhaps before opened()
};

}  // namespace natter::mqtt
