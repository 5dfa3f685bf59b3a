#pragma once
// The broker loop: one thread that owns all chat state (rooms, sessions,
// pending sends). Everything else reaches that state by posting work here,
// so the state itself needs no locks. Asio stays inside executor.cpp.

#include <functional>
#include <memory>
#include <thread>

namespace natter::runtime {

class Executor {
 public:
  Executor();
  ~Executor();  // stops and joins the thread
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs `task` on the loop thread, after tasks posted before it. Any thread.
  void post(std::function<void()> task);
  // Blocks until every task posted before this call has run. Not from the
  // loop thread.
  void barrier();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace natter::runtime
