#pragma once
// The operator's HTTP endpoint (loopback by default): /healthz (the
// process answers), /readyz (every plugin started and not draining) and
// /metrics (Prometheus text format). Runs its own thread; Beast stays in
// admin_listener.cpp.

#include <atomic>
#include <memory>
#include <string>

#include "runtime/metrics.hpp"

namespace natter::admin {

class AdminListener {
 public:
  // Binds `host:port` (port 0: any free port); throws std::runtime_error
  // with the reason if it cannot.
  AdminListener(const std::string& host, unsigned port, const runtime::MetricsRegistry& metrics);
  ~AdminListener();  // stops the thread

  // Any thread.
  void set_ready(bool ready) noexcept { ready_.store(ready); }
  unsigned port() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> ready_{false};
};

}  // namespace natter::admin
