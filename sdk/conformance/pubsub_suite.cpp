#include "pubsub_suite.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace natter::conformance {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::function<std::unique_ptr<PubSubUnderTest>()>& factory() {
  static std::function<std::unique_ptr<PubSubUnderTest>()> f;
  return f;
}

std::vector<std::byte> bytes_of(std::string_view text) {
  const auto* p = reinterpret_cast<const std::byte*>(text.data());
  return {p, p + text.size()};
}

std::string text_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Probes are how the suite learns that a subscription is in effect (a
// plugin subscribes asynchronously); the listener keeps them apart.
constexpr std::string_view kProbe = "conformance-probe:";

// A node's receiving end: everything it was handed, in order.
class Recorder final : public natter::BusListener {
 public:
  struct Received {
    std::string topic, payload;
  };

  void received(std::string_view topic, std::span<const std::byte> payload) noexcept override {
    std::lock_guard lock(mutex_);
    std::string text = text_of(payload);
    if (text.starts_with(kProbe)) {
      probes_[std::string(topic)] += 1;
    } else {
      received_.push_back({std::string(topic), std::move(text)});
    }
    changed_.notify_all();
  }
  void gap(std::string_view) noexcept override {
    std::lock_guard lock(mutex_);
    gaps_ += 1;
    changed_.notify_all();
  }

  bool wait_for_count(std::size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
  }
  bool wait_for_gap(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return gaps_ > 0; });
  }
  std::vector<Received> taken() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return received_.size();
  }
  int probes_on(const std::string& topic) {
    std::lock_guard lock(mutex_);
    return probes_[topic];
  }
  // Waits up to `timeout` for more than `seen` probes on `topic`.
  bool wait_for_probe(const std::string& topic, int seen, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return probes_[topic] > seen; });
  }
  int gaps() {
    std::lock_guard lock(mutex_);
    return gaps_;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    received_.clear();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Received> received_;
  std::map<std::string, int> probes_;
  int gaps_ = 0;
};

class PubSubConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(factory()) << "no pub/sub plugin under test: call set_pubsub_under_test()";
    under_test_ = factory()();
  }
  void TearDown() override { under_test_->close_all(); }

  // Publishes probes on `topic` from `from` until `to` receives one: then
  // its subscription is in effect. Fails the test after 10 s.
  void await_subscription(natter::PubSub& from, Recorder& to, const std::string& topic) {
    const int before = to.probes_on(topic);
    const auto deadline = Clock::now() + 10s;
    for (int i = 0; Clock::now() < deadline; ++i) {
      const auto probe = bytes_of(std::string(kProbe) + std::to_string(i));
      from.publish(topic, probe);
      if (to.wait_for_probe(topic, before, 50ms)) return;
    }
    FAIL() << "a subscription to '" << topic << "' did not take effect within 10 s";
  }

  std::unique_ptr<PubSubUnderTest> under_test_;
};

TEST_F(PubSubConformance, APublicationReachesEveryOtherSubscribedNode) {
  Recorder a_heard, b_heard, c_heard;
  auto& a = under_test_->open(a_heard);
  auto& b = under_test_->open(b_heard);
  auto& c = under_test_->open(c_heard);
  b.subscribe("natter/room/lobby");
  c.subscribe("natter/room/lobby");
  await_subscription(a, b_heard, "natter/room/lobby");
  await_subscription(a, c_heard, "natter/room/lobby");
  a.publish("natter/room/lobby", bytes_of("hello"));
  ASSERT_TRUE(b_heard.wait_for_count(1)) << "node b never received the publication";
  ASSERT_TRUE(c_heard.wait_for_count(1)) << "node c never received the publication";
  EXPECT_EQ(b_heard.taken().front().topic, "natter/room/lobby");
  EXPECT_EQ(b_heard.taken().front().payload, "hello");
  EXPECT_EQ(c_heard.taken().front().payload, "hello");
}

TEST_F(PubSubConformance, ANodeNeverHearsItsOwnPublications) {
  Recorder a_heard, b_heard;
  auto& a = under_test_->open(a_heard);
  auto& b = under_test_->open(b_heard);
  a.subscribe("natter/room/echo");
  b.subscribe("natter/room/echo");
  await_subscription(b, a_heard, "natter/room/echo");
  await_subscription(a, b_heard, "natter/room/echo");
  for (int i = 0; i < 100; ++i) a.publish("natter/room/echo", bytes_of("from a " + std::to_string(i)));
  ASSERT_TRUE(b_heard.wait_for_count(100));
  // Whatever would echo travels with what b heard; give it time to land.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(a_heard.count(), 0u) << "node a was handed its own publications";
}

TEST_F(PubSubConformance, OnePublishersOrderIsKeptPerTopic) {
  Recorder a_heard, b_heard;
  auto& a = under_test_->open(a_heard);
  auto& b = under_test_->open(b_heard);
  const std::vector<std::string> topics = {"natter/room/one", "natter/room/two", "natter/user/three"};
  for (const auto& t : topics) b.subscribe(t);
  for (const auto& t : topics) await_subscription(a, b_heard, t);
  constexpr int kEach = 2000;
  for (int i = 0; i < kEach; ++i) {
    for (const auto& t : topics) a.publish(t, bytes_of(std::to_string(i)));
  }
  ASSERT_TRUE(b_heard.wait_for_count(kEach * topics.size(), 30s))
      << "received " << b_heard.count() << " of " << kEach * topics.size();
  std::map<std::string, int> next;
  for (const auto& r : b_heard.taken()) {
    ASSERT_EQ(r.payload, std::to_string(next[r.topic])) << "out of order, or duplicated, on " << r.topic;
    next[r.topic] += 1;
  }
}

TEST_F(PubSubConformance, ConcurrentPublishersLoseNothing) {
  Recorder a_heard, b_heard;
  auto& a = under_test_->open(a_heard);
  auto& b = under_test_->open(b_heard);
  b.subscribe("natter/room/busy");
  await_subscription(a, b_heard, "natter/room/busy");
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) a.publish("natter/room/busy", bytes_of(std::to_string(t) + ":" + std::to_string(i)));
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(b_heard.wait_for_count(kThreads * kEach, 30s)) << "received " << b_heard.count();
  std::vector<int> next(kThreads, 0);
  for (const auto& r : b_heard.taken()) {
    const auto colon = r.payload.find(':');
    const int thread = std::stoi(r.payload.substr(0, colon));
    EXPECT_EQ(std::stoi(r.payload.substr(colon + 1)), next[thread]++) << "thread " << thread << "'s order";
  }
}

TEST_F(PubSubConformance, UnsubscribeStopsDeliveryAndSubscribeResumesIt) {
  Recorder a_heard, b_heard;
  auto& a = under_test_->open(a_heard);
  auto& b = under_test_->open(b_heard);
  b.subscribe("natter/room/left");
  b.subscribe("natter/room/kept");
  await_subscription(a, b_heard, "natter/room/left");
  await_subscription(a, b_heard, "natter/room/kept");
  b.unsubscribe("natter/room/left");
  std::this_thread::sleep_for(300ms);  // unsubscribe never blocks; let it take effect
  a.publish("natter/room/left", bytes_of("nobody listens"));
  a.publish("natter/room/kept", bytes_of("marker"));
  ASSERT_TRUE(b_heard.wait_for_count(1));
  std::this_thread::sleep_for(200ms);
  auto heard = b_heard.taken();
  ASSERT_EQ(heard.size(), 1u) << "a topic still delivered after unsubscribe: " << heard.front().topic;
  EXPECT_EQ(heard.front().payload, "marker");
  b_heard.clear();
  b.subscribe("natter/room/left");
  await_subscription(a, b_heard, "natter/room/left");
  a.publish("natter/room/left", bytes_of("back"));
  ASSERT_TRUE(b_heard.wait_for_count(1));
  EXPECT_EQ(b_heard.taken().front().payload, "back");
}

TEST_F(PubSubConformance, PayloadsArriveByteForByte) {
  Recorder a_heard, b_heard;
  auto& a = under_test_->open(a_heard);
  auto& b = under_test_->open(b_heard);
  const std::string topic = "natter/room/caf\xc3\xa9-\xe2\x98\x95";
  b.subscribe(topic);
  await_subscription(a, b_heard, topic);
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  const std::vector<std::string> payloads = {std::string(1, '\0'), every_byte, std::string("a\0b\r\n", 5),
                                             "{\"json\":true}", std::string(3, '\xff')};
  for (const auto& p : payloads) a.publish(topic, bytes_of(p));
  ASSERT_TRUE(b_heard.wait_for_count(payloads.size()));
  const auto heard = b_heard.taken();
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    EXPECT_EQ(heard[i].topic, topic);
    EXPECT_EQ(heard[i].payload, payloads[i]) << "payload " << i << " changed on the way";
  }
}

TEST_F(PubSubConformance, LargePayloadsArriveWhole) {
  Recorder a_heard, b_heard;
  auto& a = under_test_->open(a_heard);
  auto& b = under_test_->open(b_heard);
  b.subscribe("natter/room/large");
  await_subscription(a, b_heard, "natter/room/large");
  std::mt19937 random(7);
  std::string large(1 << 20, '\0');
  for (auto& ch : large) ch = static_cast<char>(random());
  a.publish("natter/room/large", bytes_of(large));
  a.publish("natter/room/large", bytes_of("after"));
  ASSERT_TRUE(b_heard.wait_for_count(2, 30s));
  const auto heard = b_heard.taken();
  EXPECT_TRUE(heard[0].payload == large) << "a 1 MiB payload arrived as " << heard[0].payload.size() << " bytes";
  EXPECT_EQ(heard[1].payload, "after");
}

TEST_F(PubSubConformance, ManyTopicsEachDeliverTheirOwn) {
  Recorder a_heard, b_heard;
  auto& a = under_test_->open(a_heard);
  auto& b = under_test_->open(b_heard);
  constexpr int kTopics = 2000;
  for (int i = 0; i < kTopics; ++i) b.subscribe("natter/room/r" + std::to_string(i));
  // One at the end: a plugin takes subscriptions in order.
  b.subscribe("natter/room/last");
  await_subscription(a, b_heard, "natter/room/last");
  for (int i = 0; i < kTopics; ++i) {
    const std::string topic = "natter/room/r" + std::to_string(i);
    a.publish(topic, bytes_of(topic));
  }
  ASSERT_TRUE(b_heard.wait_for_count(kTopics, 30s)) << "received " << b_heard.count() << " of " << kTopics;
  for (const auto& r : b_heard.taken()) EXPECT_EQ(r.topic, r.payload);
}

TEST_F(PubSubConformance, AnOutageIsReportedAsAGapAndSubscriptionsComeBack) {
  Recorder a_heard, b_heard;
  auto& a = under_test_->open(a_heard);
  auto& b = under_test_->open(b_heard);
  b.subscribe("natter/room/outage");
  b.subscribe("natter/user/outage");
  await_subscription(a, b_heard, "natter/room/outage");
  await_subscription(a, b_heard, "natter/user/outage");
  EXPECT_EQ(b_heard.gaps(), 0) << "a gap reported before any outage";
  if (!under_test_->interrupt()) GTEST_SKIP() << "this backend cannot be cut off (give natter-conformance --outage)";
  ASSERT_TRUE(b_heard.wait_for_gap(30s))
      << "the backend went away and came back, but the plugin reported no gap";
  // gap() comes once every topic is subscribed again; node a may still be
  // reconnecting, hence the probes.
  b_heard.clear();
  await_subscription(a, b_heard, "natter/room/outage");
  await_subscription(a, b_heard, "natter/user/outage");
  a.publish("natter/room/outage", bytes_of("after the outage"));
  a.publish("natter/user/outage", bytes_of("to the user too"));
  ASSERT_TRUE(b_heard.wait_for_count(2, 10s)) << "subscriptions did not come back after the gap was reported";
  const auto heard = b_heard.taken();
  EXPECT_EQ(heard[0].payload, "after the outage");
  EXPECT_EQ(heard[1].payload, "to the user too");
}

}  // namespace

void set_pubsub_under_test(std::function<std::unique_ptr<PubSubUnderTest>()> f) { factory() = std::move(f); }

}  // namespace natter::conformance
