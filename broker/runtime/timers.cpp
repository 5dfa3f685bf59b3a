#include "runtime/timers.hpp"

#include <pthread.h>

#include <utility>
#include <vector>

namespace natter::runtime {

Timers::Timers(Executor& loop) : loop_(loop) {
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "natter-timers");
}

Timers::~Timers() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_one();
  thread_.join();
}

void Timers::at(Clock::time_point when, Executor::Task task) {
  bool earliest = false;
  {
    std::lock_guard lock(mutex_);
    auto it = due_.emplace(when, std::move(task));
    earliest = it == due_.begin();
  }
  if (earliest) changed_.notify_one();
}

void Timers::run() {
  std::vector<Executor::Task> ready;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (due_.empty()) {
      changed_.wait(lock);
      continue;
    }
    const auto next = due_.begin()->first;
    if (Clock::now() < next) {
      changed_.wait_until(lock, next);
      continue;
    }
    const auto now = Clock::now();
    while (!due_.empty() && due_.begin()->first <= now) {
      ready.push_back(std::move(due_.begin()->second));
      due_.erase(due_.begin());
    }
    lock.unlock();
    for (auto& task : ready) loop_.post(std::move(task));
    ready.clear();
    lock.lock();
  }
}

}  // namespace natter::runtime
