#pragma once
// Every device's session on this node, by user and device (its client
// id), and when each should end: at once on its last will, `linger` after
// Mosquitto says its client disconnected (unless it connects again
// meanwhile: a phone in a tunnel keeps its session, and its events wait in
// Mosquitto), soon after the broker closed it. One reaper thread ends what
// is due; it is the only thread besides libmosquitto's that calls into the
// broker for a session. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <natter/plugin.hpp>

#include "mqtt_link.hpp"

namespace natter::mqtt {

class MqttSessions {
 public:
  using Clock = std::chrono::steady_clock;
  // Opens a broker session for a new link; `address` is the device's, as
  // Mosquitto last reported it ("ip:port"), or "mqtt/<device>".
  using Open = std::function<natter::SessionPort*(MqttLink& link, const std::string& address)>;

  MqttSessions(MqttClient& client, std::string topic_prefix, std::chrono::milliseconds linger, Open open);
  ~MqttSessions();

  void start();
  // The device's link, opening a session if it has none. Libmosquitto's thread.
  MqttLink* link_for(std::string_view user, std::string_view device);
  // What Mosquitto and the devices say. Libmosquitto's thread.
  void device_connected(const std::string& device, std::string address);
  void device_disconnected(const std::string& device);
  void device_said_bye(std::string_view user, std::string_view device);
  // From MqttLink.
  void end_soon(MqttLink& link);  // the broker closed it
  void forget(MqttLink* link);    // the broker detached it: free it
  // Ends every session and waits (up to `timeout`) for the broker to
  // detach them all; then stops the reaper. Main thread.
  void stop(std::chrono::milliseconds timeout);

  std::size_t size() const;

 private:
  struct Entry {
    MqttLink* link;
    Clock::time_point end_at = Clock::time_point::max();
    bool lingering = false;  // end_at was set because the device disconnected
  };
  void reap();

  MqttClient& client_;
  const std::string prefix_;
  const std::chrono::milliseconds linger_;
  const Open open_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Entry, std::less<>> live_;         // "<user>/<device>"
  std::map<std::string, std::string, std::less<>> addresses_;  // device -> "ip:port"
  std::vector<std::unique_ptr<MqttLink>> links_;          // every link the broker has not detached
  bool stopping_ = false;
  std::thread reaper_;
};

}  // namespace natter::mqtt
