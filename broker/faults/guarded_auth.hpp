#pragma once
// The auth plugin as the broker sees it: each authentication goes through
// the plugin's FaultGuard. A refusal is an answer, not a failure; only an
// answer that does not come in time is. Authentication is not retried: its
// deadline is the client's wait. Failing closed, the client is refused
// (unauthorized); failing open, it is let in as a guest ("guest-<n>", no
// rooms of its own), as if auth_anonymous were configured. <n> starts at a
// random number, so guests of two nodes or two runs are not one user.
//
// Ownership: borrows the plugin and the guard, which outlive it. Any thread.

#include <atomic>

#include <natter/auth.hpp>

#include "faults/fault_guard.hpp"

namespace natter::faults {

class GuardedAuth final : public natter::Authenticator {
 public:
  GuardedAuth(natter::Authenticator& plugin, FaultGuard& guard);

  bool start(natter::Diagnostic& error) noexcept override { return plugin_.start(error); }
  void stop() noexcept override { plugin_.stop(); }
  void authenticate(const natter::ConnectInfo& info, natter::AuthDone& done) noexcept override;

 private:
  natter::Authenticator& plugin_;
  FaultGuard& guard_;
  std::atomic<std::uint64_t> next_guest_;
};

}  // namespace natter::faults
