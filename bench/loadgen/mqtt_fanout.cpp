// MQTT fan-out, measured the same way for plain Mosquitto and for natter's
// MQTT transport in front of it: K subscribers each receive every one of M
// messages that one publisher sends (QoS 1 on every leg), W in flight.
//
// Refs are unique per run: natter answers a ref it has seen with the
// earlier ack, and delivers nothing again.
//
//   plain:  the publisher publishes to one topic all K subscribe to; Mosquitto fans out.
//   natter: K devices join one room through natter/in/<user>/<device>; the
//           publisher device sends `send` commands; natter publishes each
//           message to every device's natter/out/<user>/<device>.
//
//   natter_bench_mqtt --broker 127.0.0.1:1883 --mode plain|natter [--subscribers 100]
//                     [--messages 2000] [--window 32] [--body 64]
//
// Prints one line: mode, deliveries, seconds, deliveries/s. Each client runs
// on libmosquitto's own thread (one per client).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

#include <mosquitto.h>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 1883;
  bool natter = false;
  int subscribers = 100, messages = 2000, window = 32, body = 64, wait_s = 120;
};

struct Client {
  mosquitto* mosq = nullptr;
  std::string id, user, in_topic, out_topic;
  std::atomic<bool> subscribed{false}, joined{false};
  std::atomic<long> received{0}, acks{0};
  bool natter = false;
};

void on_subscribe(mosquitto*, void* obj, int, int, const int*) { static_cast<Client*>(obj)->subscribed = true; }

void on_message(mosquitto*, void* obj, const mosquitto_message* m) {
  auto& c = *static_cast<Client*>(obj);
  const std::string_view text(static_cast<const char*>(m->payload), static_cast<std::size_t>(m->payloadlen));
  if (!c.natter) {
    c.received.fetch_add(1, std::memory_order_relaxed);
  } else if (text.find("\"type\":\"message\"") != std::string_view::npos) {
    c.received.fetch_add(1, std::memory_order_relaxed);
  } else if (text.find("\"type\":\"ack\"") != std::string_view::npos) {
    c.acks.fetch_add(1, std::memory_order_relaxed);
  } else if (text.find("\"type\":\"joined\"") != std::string_view::npos) {
    c.joined = true;
  }
}

void on_publish(mosquitto*, void* obj, int) {
  auto& c = *static_cast<Client*>(obj);
  if (!c.natter) c.acks.fetch_add(1, std::memory_order_relaxed);  // PUBACK: the broker has it
}

std::unique_ptr<Client> connect(const Options& o, std::string id, std::string user, std::string subscribe) {
  auto c = std::make_unique<Client>();
  c->id = std::move(id);
  c->user = std::move(user);
  c->natter = o.natter;
  c->in_topic = "natter/in/" + c->user + "/" + c->id;
  c->out_topic = subscribe;
  c->mosq = mosquitto_new(c->id.c_str(), true, c.get());
  mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_username_pw_set(c->mosq, c->user.c_str(), nullptr);
  mosquitto_max_inflight_messages_set(c->mosq, 0);
  mosquitto_subscribe_callback_set(c->mosq, on_subscribe);
  mosquitto_message_callback_set(c->mosq, on_message);
  mosquitto_publish_callback_set(c->mosq, on_publish);
  if (mosquitto_connect(c->mosq, o.host.c_str(), o.port, 60) != MOSQ_ERR_SUCCESS) {
    std::fprintf(stderr, "cannot connect %s\n", c->id.c_str());
    std::exit(1);
  }
  mosquitto_loop_start(c->mosq);
  if (!subscribe.empty()) mosquitto_subscribe(c->mosq, nullptr, subscribe.c_str(), 1);
  return c;
}

template <class Done>
bool wait_until(Done done, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void publish(Client& c, const std::string& topic, const std::string& payload) {
  mosquitto_publish(c.mosq, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 1, false);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--broker") {
      o.host = value.substr(0, value.rfind(':'));
      o.port = std::atoi(value.c_str() + value.rfind(':') + 1);
    } else if (flag == "--mode") {
      o.natter = value == "natter";
    } else if (flag == "--subscribers") {
      o.subscribers = std::atoi(value.c_str());
    } else if (flag == "--messages") {
      o.messages = std::atoi(value.c_str());
    } else if (flag == "--window") {
      o.window = std::atoi(value.c_str());
    } else if (flag == "--wait-s") {
      o.wait_s = std::atoi(value.c_str());
    } else if (flag == "--body") {
      o.body = std::atoi(value.c_str());
    }
  }
  mosquitto_lib_init();
  const std::string tag = std::to_string(::getpid());
  std::vector<std::unique_ptr<Client>> subs;
  for (int i = 0; i < o.subscribers; ++i) {
    const std::string id = "d" + std::to_string(i) + "-" + tag, user = "u" + std::to_string(i);
    subs.push_back(connect(o, id, user, o.natter ? "natter/out/" + user + "/" + id : "bench/fanout/" + tag));
  }
  const std::string pub_id = "pub-" + tag;
  auto pub = connect(o, pub_id, "sender", o.natter ? "natter/out/sender/" + pub_id : "");
  if (!wait_until([&] {
        for (auto& s : subs) if (!s->subscribed) return false;
        return !o.natter || pub->subscribed.load();
      }, std::chrono::seconds(30))) {
    std::fprintf(stderr, "subscriptions timed out\n");
    return 1;
  }
  if (o.natter) {
    for (auto& s : subs) publish(*s, s->in_topic, R"({"op":"join","room":"fan","ref":"j"})");
    publish(*pub, pub->in_topic, R"({"op":"join","room":"fan","ref":"j"})");
    if (!wait_until([&] {
          for (auto& s : subs) if (!s->joined) return false;
          return pub->joined.load();
        }, std::chrono::seconds(60))) {
      std::fprintf(stderr, "joins timed out\n");
      return 1;
    }
  }
  const std::string body(static_cast<std::size_t>(o.body), 'x');
  const std::string topic = o.natter ? pub->in_topic : "bench/fanout/" + tag;
  const long expected = static_cast<long>(o.messages) * o.subscribers;
  auto delivered = [&] {
    long total = 0;
    for (auto& s : subs) total += s->received.load(std::memory_order_relaxed);
    return total;
  };
  const auto start = Clock::now();
  for (int i = 0; i < o.messages; ++i) {
    while (i - pub->acks.load(std::memory_order_relaxed) >= o.window) std::this_thread::sleep_for(std::chrono::microseconds(50));
    publish(*pub, topic, o.natter ? R"({"op":"send","room":"fan","body":")" + body + R"(","ref":")" + tag + "-" +
                                        std::to_string(i) + "\"}"
                                  : body);
  }
  const bool all = wait_until([&] { return delivered() >= expected; }, std::chrono::seconds(o.wait_s));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("%s deliveries=%ld/%ld seconds=%.3f per_s=%.0f\n", o.natter ? "natter" : "plain", delivered(), expected,
              seconds, static_cast<double>(delivered()) / seconds);
  for (auto& s : subs) {
    mosquitto_disconnect(s->mosq);
    mosquitto_loop_stop(s->mosq, false);
  }
  mosquitto_disconnect(pub->mosq);
  mosquitto_loop_stop(pub->mosq, false);
  return all ? 0 : 2;
}
