#include "redis_bus_loop.hpp"

#include <algorithm>
#include <cstring>
#include <poll.h>

namespace natter::pubsub {

namespace {

using std::chrono::milliseconds;
using redis::RedisConnection;
using redis::RedisReply;

constexpr milliseconds kFirstRetry{100};
constexpr milliseconds kIdleBeforePing{1000};
constexpr std::size_t kChannelsPerCommand = 500;

std::vector<RedisConnection::Command> in_chunks(std::string_view verb, const std::vector<std::string>& channels) {
  std::vector<RedisConnection::Command> commands;
  for (std::size_t i = 0; i < channels.size(); i += kChannelsPerCommand) {
    RedisConnection::Command command{std::string(verb)};
    const auto end = std::min(channels.size(), i + kChannelsPerCommand);
    command.insert(command.end(), channels.begin() + static_cast<std::ptrdiff_t>(i),
                   channels.begin() + static_cast<std::ptrdiff_t>(end));
    commands.push_back(std::move(command));
  }
  return commands;
}

}  // namespace

RedisBusLoop::RedisBusLoop(natter::Host& host, const RedisBusSettings& settings, std::uint64_t tag,
                           BusRequests& requests, std::atomic<bool>& up, natter::BusListener& listener)
    : host_(host),
      settings_(settings),
      tag_(tag),
      requests_(requests),
      up_(up),
      listener_(listener),
      random_(tag),
      up_gauge_(host.gauge("bus_up", "1 while connected to Redis and subscribed, else 0")),
      published_(host.counter("bus_published_total", "Publications written to Redis")),
      received_(host.counter("bus_received_total", "Publications of other nodes handed to the broker")),
      foreign_(host.counter("bus_foreign_total", "Messages on natter's channels that no natter node published")),
      reconnects_(host.counter("bus_reconnects_total", "Connections to Redis made again after one was lost")),
      gaps_(host.counter("bus_gaps_total", "Times the broker was told publications may have been missed")) {}

void RedisBusLoop::run() {
  while (true) {
    if (!subscriber_) {
      if (failed_attempts_ > 0 && !pause(retry_pause())) break;
      if (!connect()) continue;
    }
    pollfd fds[3] = {{requests_.wake_fd(), POLLIN, 0},
                     {subscriber_->fd(), POLLIN, 0},
                     {publisher_->fd(), POLLIN, 0}};
    const int ready = ::poll(fds, 3, static_cast<int>(kIdleBeforePing.count() / 4));
    if (ready < 0 && errno != EINTR) {
      went_down(std::string("poll: ") + std::strerror(errno));
      continue;
    }
    try {
      if (fds[0].revents && !serve_requests()) break;
      if (fds[1].revents) {
        heard_from_subscriber_ = Clock::now();
        ping_outstanding_ = false;  // anything heard proves the connection
        for (const RedisReply& reply : subscriber_->receive()) received(reply);
      }
      if (fds[2].revents) {
        heard_from_publisher_ = Clock::now();
        const std::size_t answered = publisher_->receive().size();
        unanswered_ -= std::min(unanswered_, answered);
      }
      keep_alive();
    } catch (const std::exception& e) {  // RedisError, or no memory
      went_down(e.what());
    }
  }
  subscriber_.reset();
  publisher_.reset();
  up_ = false;
  up_gauge_.set(0);
}

bool RedisBusLoop::connect() {
  try {
    subscriber_ = std::make_unique<RedisConnection>(settings_.endpoint);
    publisher_ = std::make_unique<RedisConnection>(settings_.endpoint);
  } catch (const std::exception& e) {
    subscriber_.reset();
    publisher_.reset();
    if (failed_attempts_++ == 0) {
      host_.log(natter::LogLevel::warn, "cannot reach Redis at " + settings_.endpoint.describe() + " (" + e.what() +
                                            "); publications are dropped until it answers, retrying");
    }
    return false;
  }
  if (ever_up_) {
    reconnects_.add(1);
    host_.log(natter::LogLevel::info, "connected to Redis at " + settings_.endpoint.describe() + " again");
  }
  failed_attempts_ = 0;
  heard_from_subscriber_ = heard_from_publisher_ = Clock::now();
  ping_outstanding_ = false;
  unanswered_ = 0;
  try {
    subscribe_all();
  } catch (const std::exception& e) {
    went_down(e.what());
    return false;
  }
  up_ = true;
  up_gauge_.set(1);
  ever_up_ = true;
  return true;
}

void RedisBusLoop::went_down(std::string_view why) {
  if (subscriber_ && up_) {
    host_.log(natter::LogLevel::warn, "lost Redis at " + settings_.endpoint.describe() + ": " + std::string(why));
  }
  subscriber_.reset();
  publisher_.reset();
  up_ = false;
  up_gauge_.set(0);
  // Subscribed or not, what other nodes published meanwhile is gone, and
  // so is what this node published and Redis never took.
  gap_ = true;
  gap_reason_ = "lost Redis: " + std::string(why);
  failed_attempts_ = std::max(failed_attempts_, 1);
}

bool RedisBusLoop::pause(milliseconds wait) {
  pollfd fd{requests_.wake_fd(), POLLIN, 0};
  const auto until = Clock::now() + wait;
  for (auto now = Clock::now(); now < until; now = Clock::now()) {
    const auto left = std::chrono::duration_cast<milliseconds>(until - now).count();
    if (::poll(&fd, 1, static_cast<int>(left) + 1) > 0 && !serve_requests()) return false;
  }
  return true;
}

milliseconds RedisBusLoop::retry_pause() {
  // Full jitter: a random pause up to the doubled cap, so nodes that lost
  // Redis together do not come back in step.
  const auto cap = std::min<milliseconds>(settings_.reconnect_max, kFirstRetry * (1 << std::min(failed_attempts_ - 1, 16)));
  return milliseconds(std::uniform_int_distribution<milliseconds::rep>(0, cap.count())(random_));
}

bool RedisBusLoop::serve_requests() {
  BusRequests::Taken taken = requests_.take();
  std::vector<std::string> added, removed;
  for (auto& [channel, subscribe] : taken.topics) {
    if (subscribe) {
      if (channels_.insert(channel).second) added.push_back(channel);
    } else if (channels_.erase(channel) != 0) {
      removed.push_back(channel);
    }
  }
  if (subscriber_) {
    // A topic dropped and taken again in one batch is sent both ways, in
    // order, which Redis resolves to subscribed.
    if (!removed.empty()) subscriber_->send(in_chunks("UNSUBSCRIBE", removed));
    if (!added.empty()) subscriber_->send(in_chunks("SUBSCRIBE", added));
    if (!taken.publications.empty()) {
      std::vector<RedisConnection::Command> commands;
      commands.reserve(taken.publications.size());
      for (auto& [channel, payload] : taken.publications) {
        commands.push_back({"PUBLISH", std::move(channel), std::move(payload)});
      }
      if (unanswered_ == 0) heard_from_publisher_ = Clock::now();
      publisher_->send(commands);
      unanswered_ += commands.size();
      published_.add(commands.size());
    }
  }
  return !taken.stopping;
}

void RedisBusLoop::subscribe_all() {
  const std::vector<std::string> all(channels_.begin(), channels_.end());
  unconfirmed_ = all.size();
  if (!all.empty()) subscriber_->send(in_chunks("SUBSCRIBE", all));
  if (unconfirmed_ == 0 && gap_) {
    gap_ = false;
    gaps_.add(1);
    listener_.gap(gap_reason_);
  }
}

void RedisBusLoop::received(const RedisReply& reply) {
  if (reply.kind != RedisReply::Kind::array || reply.elements.empty()) return;  // PONG in RESP2 is an array too
  const std::string& type = reply.elements[0].text;
  if (type == "message" && reply.elements.size() == 3) {
    const std::string& channel = reply.elements[1].text;
    const std::string& payload = reply.elements[2].text;
    std::uint64_t tag = 0;
    if (payload.size() < sizeof tag || !channel.starts_with(settings_.channel_prefix)) {
      foreign_.add(1);
      return;
    }
    std::memcpy(&tag, payload.data(), sizeof tag);
    if (tag == tag_) return;  // our own, handed back
    received_.add(1);
    const auto* body = reinterpret_cast<const std::byte*>(payload.data()) + sizeof tag;
    listener_.received(std::string_view(channel).substr(settings_.channel_prefix.size()),
                       {body, payload.size() - sizeof tag});
  } else if (type == "subscribe" && unconfirmed_ > 0 && --unconfirmed_ == 0 && gap_) {
    // Every channel is subscribed again: what the broker re-reads now
    // covers the whole outage.
    gap_ = false;
    gaps_.add(1);
    listener_.gap(gap_reason_);
  }
}

void RedisBusLoop::keep_alive() {
  const auto now = Clock::now();
  if (ping_outstanding_ && now - ping_sent_ > settings_.endpoint.timeout) {
    throw redis::RedisError("no answer to PING within " + std::to_string(settings_.endpoint.timeout.count()) + " ms");
  }
  if (unanswered_ > 0 && now - heard_from_publisher_ > settings_.endpoint.timeout) {
    throw redis::RedisError(std::to_string(unanswered_) + " PUBLISH without an answer within " +
                            std::to_string(settings_.endpoint.timeout.count()) + " ms");
  }
  if (!ping_outstanding_ && now - heard_from_subscriber_ > kIdleBeforePing) {
    subscriber_->send({{"PING"}});
    ping_outstanding_ = true;
    ping_sent_ = now;
  }
}

}  // namespace natter::pubsub
