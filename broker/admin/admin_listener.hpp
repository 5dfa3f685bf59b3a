#pragma once
// The operator's HTTP endpoint (loopback by default): /healthz (the
// process answers), /readyz (every plugin started and not draining),
// /metrics (Prometheus text format), and the operator's API under /v1
// (AdminApi, natterctl's) once natterd serves it. Runs its own thread;
// Beast stays in admin_listener.cpp.

#include <atomic>
#include <memory>
#include <string>

#include "admin/admin_api.hpp"
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
  // From now on /v1 goes to `api` (borrowed; it outlives the listener, or
  // serve(nullptr) comes first). Before, /v1 answers 503.
  void serve(AdminApi* api) noexcept { api_.store(api); }
  unsigned port() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> ready_{false};
  std::atomic<AdminApi*> api_{nullptr};
};

}  // namespace natter::admin
