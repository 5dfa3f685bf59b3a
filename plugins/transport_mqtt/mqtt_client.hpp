#pragma once
// natter's own connection to the MQTT broker (libmosquitto and its
// threaded loop). A persistent session (a fixed client id, clean start
// off), so commands that devices publish while natter is away wait in the
// broker for it; libmosquitto reconnects by itself with exponential
// backoff, and every connect subscribes again. Handler methods run on
// libmosquitto's thread; publish(), subscribe() and unsubscribe() may be
// called from any thread and never block. Shared by transport_mqtt and
// pubsub_mqtt (the object library natter_mqtt_client).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct mosquitto;

namespace natter::mqtt {

// Whether `prefix` may start natter's topics: no wildcards, no '$', no
// leading or trailing '/'.
bool usable_topic_prefix(std::string_view prefix);

class MqttClient {
 public:
  struct Settings {
    std::string host = "127.0.0.1";
    int port = 1883;
    std::string username, password, client_id;
    std::string ca_file;  // non-empty: TLS, checking the broker against these CAs
    int keepalive_s = 30;
    int reconnect_max_s = 30;
    bool v5 = true;
    std::vector<std::string> subscriptions;  // made again on every connect (QoS 1)
    int subscribe_options = 0;               // MQTT 5 options of every subscription (MQTT_SUB_OPT_NO_LOCAL)
    bool clean_session = false;

    // Sets host and port from "host:port" or "[v6]:port"; throws
    // std::invalid_argument saying what to write.
    void set_broker(std::string_view address);
  };
  // Owned by the caller; outlives the client. Libmosquitto's thread.
  class Handler {
   public:
    // `session_present`: the broker kept natter's session (its
    // subscriptions and what was queued for it) since the last connection.
    virtual void connected(bool first, bool session_present) noexcept = 0;
    // Every subscription made on the latest connect is in effect.
    virtual void subscribed() noexcept {}
    virtual void disconnected(std::string_view reason) noexcept = 0;
    // `correlation`: MQTT 5 correlation data, or empty.
    virtual void received(std::string_view topic, std::span<const std::byte> payload,
                          std::string_view correlation) noexcept = 0;

   protected:
    ~Handler() = default;
  };

  // Throws std::runtime_error if libmosquitto refuses the settings.
  MqttClient(Settings settings, Handler& handler);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Starts the thread, which connects (and keeps trying). Main thread.
  void start();
  // Publishes at QoS 1, with MQTT 5 correlation data if given and the
  // session speaks 5. While disconnected, libmosquitto keeps it to send on
  // reconnect. False if libmosquitto refused it (too big, out of memory).
  bool publish(std::string_view topic, std::span<const std::byte> payload, std::string_view correlation = {});
  // Waits (up to `timeout`) until the broker has acknowledged everything
  // published, then disconnects and ends the thread. Main thread.
  void stop(std::chrono::milliseconds timeout);
  // Filters beyond Settings::subscriptions, kept across reconnects.
  void subscribe(const std::string& filter);
  void unsubscribe(const std::string& filter);

  bool is_connected() const noexcept { return connected_.load(std::memory_order_relaxed); }

 private:
  friend struct Callbacks;  // libmosquitto's C callbacks, in the .cpp
  void subscribe_all();  // libmosquitto's thread

  const Settings settings_;
  Handler& handler_;
  mosquitto* mosq_ = nullptr;
  std::atomic<bool> connected_{false};
  bool ever_connected_ = false;  // libmosquitto's thread
  std::atomic<std::uint64_t> published_{0}, acknowledged_{0};
  std::mutex drained_mutex_;
  std::condition_variable drained_;
  bool started_ = false;
  std::mutex filters_mutex_;
  std::set<std::string> filters_;  // subscribe()'s, guarded by filters_mutex_
  std::atomic<int> last_subscribe_mid_{-1};
};

}  // namespace natter::mqtt
