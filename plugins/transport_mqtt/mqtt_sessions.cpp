#include "mqtt_sessions.hpp"

#include <algorithm>

namespace natter::mqtt {

namespace {

std::string key_of(std::string_view user, std::string_view device) {
  std::string key(user);
  key.append("/").append(device);
  return key;
}

}  // namespace

MqttSessions::MqttSessions(MqttClient& client, std::string topic_prefix, std::chrono::milliseconds linger, Open open)
    : client_(client), prefix_(std::move(topic_prefix)), linger_(linger), open_(std::move(open)) {}

MqttSessions::~MqttSessions() { stop(std::chrono::milliseconds(0)); }

void MqttSessions::start() {
  reaper_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "mqtt-sessions");
    reap();
  });
}

MqttLink* MqttSessions::link_for(std::string_view user, std::string_view device) {
  std::string address;
  MqttLink* link = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return nullptr;
    const std::string key = key_of(user, device);
    if (auto it = live_.find(key); it != live_.end()) {
      if (it->second.lingering) it->second = {it->second.link};  // it is back
      return it->second.link;
    }
    auto made = std::make_unique<MqttLink>(client_, *this, std::string(user), std::string(device),
                                           prefix_ + "/out/" + key);
    link = made.get();
    links_.push_back(std::move(made));
    live_.emplace(key, Entry{link});
    const auto known = addresses_.find(device);
    address = known != addresses_.end() ? known->second : "mqtt/" + std::string(device);
  }
  // Unlocked: the broker may close the link before open returns.
  link->opened(open_(*link, address));
  return link;
}

void MqttSessions::device_connected(const std::string& device, std::string address) {
  std::lock_guard lock(mutex_);
  addresses_[device] = std::move(address);
  for (auto& [key, entry] : live_) {
    if (entry.lingering && entry.link->device() == device) entry = {entry.link};
  }
}

void MqttSessions::device_disconnected(const std::string& device) {
  {
    std::lock_guard lock(mutex_);
    addresses_.erase(device);
    const auto when = Clock::now() + linger_;
    for (auto& [key, entry] : live_) {
      if (entry.link->device() == device && entry.end_at == Clock::time_point::max()) {
        entry.end_at = when;
        entry.lingering = true;
      }
    }
  }
  wake_.notify_all();
}

void MqttSessions::device_said_bye(std::string_view user, std::string_view device) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = live_.find(key_of(user, device)); it != live_.end()) it->second = {it->second.link, Clock::now()};
  }
  wake_.notify_all();
}

void MqttSessions::end_soon(MqttLink& link) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = live_.find(key_of(link.user(), link.device())); it != live_.end() && it->second.link == &link) {
      it->second = {&link, Clock::now()};
    }
  }
  wake_.notify_all();
}

void MqttSessions::forget(MqttLink* link) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = live_.find(key_of(link->user(), link->device())); it != live_.end() && it->second.link == link) {
      live_.erase(it);
    }
    std::erase_if(links_, [&](const std::unique_ptr<MqttLink>& owned) { return owned.get() == link; });
  }
  wake_.notify_all();
}

void MqttSessions::reap() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto next = Clock::time_point::max();
    for (const auto& [key, entry] : live_) next = std::min(next, entry.end_at);
    if (next > Clock::now()) {
      if (next == Clock::time_point::max()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, next);
      }
      continue;
    }
    std::vector<MqttLink*> due;
    for (auto it = live_.begin(); it != live_.end();) {
      if (it->second.end_at <= Clock::now()) {
        due.push_back(it->second.link);
        it = live_.erase(it);
      } else {
        ++it;
      }
    }
    lock.unlock();
    for (MqttLink* link : due) link->end();  // it stays in links_ until detached
    lock.lock();
  }
}

void MqttSessions::stop(std::chrono::milliseconds timeout) {
  std::vector<MqttLink*> open;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !reaper_.joinable()) return;
    stopping_ = true;
    for (const auto& [key, entry] : live_) open.push_back(entry.link);
    live_.clear();
  }
  wake_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  for (MqttLink* link : open) {
    link->publish(R"({"type":"closed","code":1001,"reason":"natter is shutting down"})");
    link->end();
  }
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, timeout, [&] { return links_.empty(); });
}

std::size_t MqttSessions::size() const {
  std::lock_guard lock(mutex_);
  return live_.size();
}

}  // namespace natter::mqtt
