#pragma once
// One FaultGuard per plugin instance whose calls the broker waits for, and
// the guarded views of those plugins that the chat services are handed
// instead of the plugins themselves (chat::BrokerParts). Built on the main
// thread once the loop's timers run, and again for the rate limiters a
// reload brings; read from any thread (snapshot, for natterctl status).
//
// Ownership: owns the guards and the views. It outlives the broker and the
// timers, and keeps a replaced limiter's guard alive for its calls still
// in flight.

#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "faults/fault_guard.hpp"
#include "faults/guarded_hook.hpp"
#include "faults/guarded_storage.hpp"
#include "plugins/plugin_set.hpp"

namespace natter::faults {

class PluginGuards {
 public:
  PluginGuards(runtime::Timers& timers, runtime::MetricsRegistry& metrics) : timers_(timers), metrics_(metrics) {}
  PluginGuards(const PluginGuards&) = delete;
  PluginGuards& operator=(const PluginGuards&) = delete;

  // Guarded views of one instance of the kind named. Main thread.
  GuardedStorage& storage(const plugins::PluginInstance& instance);
  natter::Authenticator& auth(const plugins::PluginInstance& instance);
  natter::Attachments& attachments(const plugins::PluginInstance& instance);
  GuardedHook& hook(const plugins::PluginInstance& instance);
  // Every rate limiter, in order; those guarded before stop showing in
  // snapshot() (a reload replaced them). Main thread.
  std::vector<natter::RateLimiter*> limiters(std::span<const plugins::PluginInstance* const> instances);

  // Every current guard's state. Any thread.
  std::vector<GuardSnapshot> snapshot() const;

 private:
  FaultGuard& guard_for(const plugins::PluginInstance& instance);
  template <class View, class... Args>
  View& keep(Args&&... args);

  runtime::Timers& timers_;
  runtime::MetricsRegistry& metrics_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<FaultGuard>> guards_;   // shown in snapshot(); guarded by mutex_
  std::vector<std::unique_ptr<FaultGuard>> retired_;  // replaced, kept for late answers; guarded
  std::vector<std::shared_ptr<void>> views_;          // main thread
};

}  // namespace natter::faults
