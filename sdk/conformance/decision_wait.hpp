#pragma once
// For the kits' completion objects: a plugin gives its one decision from
// any thread, perhaps later; the suite waits for it and counts how many
// came (a second one is a bug). Internal to the suites.

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace natter::conformance {

class DecisionWait {
 public:
  // Waits up to `timeout`; false if no decision came.
  bool wait(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    return done_.wait_for(lock, timeout, [&] { return calls_ > 0; });
  }
  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 protected:
  // Records one decision: `fill` stores what it said, under the lock.
  template <class Fill>
  void decided(Fill&& fill) {
    std::lock_guard lock(mutex_);
    ++calls_;
    fill();
    done_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  int calls_ = 0;
};

}  // namespace natter::conformance
