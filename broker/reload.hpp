#pragma once
// What SIGHUP changes without dropping a connection: the log level, the
// filter and rate-limiter chains, and the files a Reloadable plugin reads
// (a TLS certificate). The new config is validated in full and
// new chain plugins are created and started before anything is swapped;
// any problem refuses the reload and keeps everything as it was. Each
// change, or refusal, is logged. Main thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "config/settings.hpp"

namespace natter {

namespace chat {
class Broker;
}
namespace faults {
class PluginGuards;
}
namespace plugins {
class PluginInstance;
class PluginSet;
}  // namespace plugins
namespace runtime {
class MetricsRegistry;
}

struct Running {
  config::Settings& settings;
  plugins::PluginSet& plugins;
  faults::PluginGuards& guards;  // guards the new rate limiters
  chat::Broker& broker;
  runtime::MetricsRegistry& metrics;
  std::vector<plugins::PluginInstance*>& started;  // stop order is its reverse
};

// Never throws; returns false if the reload, or a plugin's part of it,
// was refused.
bool reload(Running& running);

// Reloads asked for by the operator's API: the admin thread raises SIGHUP,
// which the main thread handles as any SIGHUP, and waits for its outcome.
class ReloadRequests {
 public:
  // Admin thread: true or false as the reload went, nullopt if none
  // finished within `timeout`.
  std::optional<bool> request(std::chrono::milliseconds timeout);
  // Main thread, after each reload, whoever asked for it.
  void finished(bool ok);

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  std::uint64_t finished_ = 0;  // reloads so far
  bool last_ok_ = false;
};

}  // namespace natter
