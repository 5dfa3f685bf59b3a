#include "redis_bus.hpp"

#include <cstring>
#include <random>
#include <sys/eventfd.h>
#include <unistd.h>

#include "redis_bus_loop.hpp"

namespace natter::pubsub {

namespace {

using natter::KeyType;

constexpr natter::ConfigKey kKeys[] = {
    {"address", KeyType::string, "127.0.0.1:6379", "Redis server: \"host:port\", \"[v6]:port\" or \"unix:/path\""},
    {"username", KeyType::string, "", "Redis ACL user (Redis 6 and later); empty: the password alone"},
    {"password", KeyType::string, "", "Redis password; empty: no AUTH"},
    {"database", KeyType::integer, "0", "Redis database number (pub/sub channels ignore it; AUTH and SELECT still apply)"},
    {"channel_prefix", KeyType::string, "natter:",
     "Prefix of every channel, so several clusters can share one Redis"},
    {"timeout_ms", KeyType::integer, "1000",
     "Longest wait for Redis to connect or answer a PING; past it the connection counts as broken"},
    {"reconnect_max_ms", KeyType::integer, "5000", "Longest pause between attempts to reach Redis again"},
    {"queue_max", KeyType::integer, "100000",
     "Publications waiting for the connection at most; past it they are dropped and counted"},
};

RedisBusSettings settings_of(const natter::PluginConfig& config) {
  RedisBusSettings settings;
  try {
    settings.endpoint = redis::RedisEndpoint::parse(config.get_string("address"));
  } catch (const std::invalid_argument& e) {
    throw natter::ConfigError(config, "address", e.what());
  }
  settings.endpoint.username = config.get_string("username");
  settings.endpoint.password = config.get_string("password");
  settings.endpoint.database = static_cast<int>(natter::int_in_range(config, "database", 0, 15));
  settings.endpoint.timeout = std::chrono::milliseconds(natter::int_in_range(config, "timeout_ms", 10, 60'000));
  settings.channel_prefix = config.get_string("channel_prefix");
  settings.reconnect_max = std::chrono::milliseconds(natter::int_in_range(config, "reconnect_max_ms", 100, 300'000));
  settings.queue_max = static_cast<std::size_t>(natter::int_in_range(config, "queue_max", 1, 10'000'000));
  return settings;
}

}  // namespace

BusRequests::BusRequests() : wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (wake_fd_ < 0) throw std::runtime_error("eventfd: " + std::string(std::strerror(errno)));
}

BusRequests::~BusRequests() { ::close(wake_fd_); }

void BusRequests::wake() {
  if (woken_) return;
  woken_ = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
}

void BusRequests::change_topic(std::string_view topic, bool subscribe) {
  std::lock_guard lock(mutex_);
  waiting_.topics.emplace_back(std::string(topic), subscribe);
  wake();
}

bool BusRequests::publish(std::string channel, std::string payload, std::size_t queue_max) {
  std::lock_guard lock(mutex_);
  if (waiting_.publications.size() >= queue_max) return false;
  waiting_.publications.emplace_back(std::move(channel), std::move(payload));
  wake();
  return true;
}

void BusRequests::stop() {
  std::lock_guard lock(mutex_);
  waiting_.stopping = true;
  wake();
}

BusRequests::Taken BusRequests::take() {
  std::uint64_t count = 0;
  [[maybe_unused]] const auto n = ::read(wake_fd_, &count, sizeof count);
  std::lock_guard lock(mutex_);
  woken_ = false;
  Taken taken;
  std::swap(taken.topics, waiting_.topics);
  std::swap(taken.publications, waiting_.publications);
  taken.stopping = waiting_.stopping;
  return taken;
}

std::span<const natter::ConfigKey> RedisBus::keys() { return kKeys; }

RedisBus::RedisBus(natter::Host& host, const natter::PluginConfig& config)
    : host_(host),
      settings_(settings_of(config)),
      tag_(std::random_device{}() | (std::uint64_t{std::random_device{}()} << 32)),
      dropped_(host.counter("bus_dropped_total",
                            "Publications dropped: Redis unreachable, or queue_max waiting for the connection")) {}

RedisBus::~RedisBus() { stop(); }

bool RedisBus::start(natter::BusListener& listener, natter::Diagnostic& error) noexcept {
  try {
    loop_ = std::make_unique<RedisBusLoop>(host_, settings_, tag_, requests_, up_, listener);
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "redis-bus");
      redis::block_sigpipe_on_this_thread();
      loop_->run();
    });
  } catch (const std::exception& e) {
    error.report(std::string("cannot start the Redis thread: ") + e.what());
    return false;
  }
  return true;
}

void RedisBus::subscribe(std::string_view topic) noexcept {
  try {
    requests_.change_topic(settings_.channel_prefix + std::string(topic), true);
  } catch (...) {
    // No memory: the topic stays unheard, as if its publications were lost.
  }
}

void RedisBus::unsubscribe(std::string_view topic) noexcept {
  try {
    requests_.change_topic(settings_.channel_prefix + std::string(topic), false);
  } catch (...) {
  }
}

void RedisBus::publish(std::string_view topic, std::span<const std::byte> payload) noexcept {
  if (!up_.load(std::memory_order_relaxed)) {
    dropped_.add(1);
    return;
  }
  try {
    std::string tagged(sizeof tag_ + payload.size(), '\0');
    std::memcpy(tagged.data(), &tag_, sizeof tag_);
    if (!payload.empty()) std::memcpy(tagged.data() + sizeof tag_, payload.data(), payload.size());
    if (!requests_.publish(settings_.channel_prefix + std::string(topic), std::move(tagged), settings_.queue_max)) {
      dropped_.add(1);
    }
  } catch (...) {
    dropped_.add(1);
  }
}

void RedisBus::stop() noexcept {
  if (!thread_.joinable()) return;
  requests_.stop();
  thread_.join();
  loop_.reset();
}

}  // namespace natter::pubsub
