#pragma once
// A rate limiter as the broker sees it: each admission goes through the
// limiter's FaultGuard. A refusal is an answer; a late one is a failure.
// Admissions are never retried (each takes tokens). Failing open the action
// goes ahead; failing closed it is refused as rate_limited, with the time
// the breaker stays open as retry_after_ms.
//
// Ownership: borrows the plugin and the guard, which outlive it. Any thread.

#include <natter/ratelimit.hpp>

#include "faults/fault_guard.hpp"

namespace natter::faults {

class GuardedLimiter final : public natter::RateLimiter {
 public:
  GuardedLimiter(natter::RateLimiter& plugin, FaultGuard& guard) : plugin_(plugin), guard_(guard) {}

  bool start(natter::Diagnostic& error) noexcept override { return plugin_.start(error); }
  void stop() noexcept override { plugin_.stop(); }
  void admit(const natter::AdmitRequest& request, natter::AdmitDone& done) noexcept override;

 private:
  natter::RateLimiter& plugin_;
  FaultGuard& guard_;
};

}  // namespace natter::faults
