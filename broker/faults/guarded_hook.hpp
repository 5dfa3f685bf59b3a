#pragma once
// A hook as the broker sees it. A hook built for ABI 1.12 answers each
// notice (natter::ConfirmedHook); those answers go through its FaultGuard,
// so a hook that stops taking notices, or takes them too slowly, trips its
// breaker. A notice that comes while the breaker is open is not handed to
// the hook (counted as short-circuited). Failing closed, the broker
// refuses a message that would need such a hook (refuses_sends). A hook
// built for 1.11 is called as before and every call counts as taken.
//
// Ownership: borrows the plugin and the guard, which outlive it. The
// broker's loop thread, like natter::Hook.

#include <natter/hook.hpp>

#include "faults/fault_guard.hpp"

namespace natter::faults {

class GuardedHook final : public natter::Hook {
 public:
  // `confirmed`: the plugin's, or nullptr when it predates 1.12.
  GuardedHook(natter::Hook& plugin, natter::ConfirmedHook* confirmed, FaultGuard& guard)
      : plugin_(plugin), confirmed_(confirmed), guard_(guard) {}

  bool start(natter::Diagnostic& error) noexcept override { return plugin_.start(error); }
  void stop() noexcept override { plugin_.stop(); }
  void offline(const natter::OfflineNotice& notice) noexcept override;

  // Whether a message this hook would be told of must be refused now: the
  // hook fails closed and its breaker is open.
  bool refuses_sends() const { return !guard_.policy().fail_open && !guard_.would_admit(); }
  std::string_view refusal() const { return guard_.refusal(); }

 private:
  natter::Hook& plugin_;
  natter::ConfirmedHook* confirmed_;
  FaultGuard& guard_;
};

}  // namespace natter::faults
