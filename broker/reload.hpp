#pragma once
// What SIGHUP changes without dropping a connection: the log level, the
// filter and rate-limiter chains, and the files a Reloadable plugin reads
// (a TLS certificate). The new config is validated in full and
// new chain plugins are created and started before anything is swapped;
// any problem refuses the reload and keeps everything as it was. Each
// change, or refusal, is logged. Main thread.

#include <vector>

#include "config/settings.hpp"

namespace natter {

namespace chat {
class Broker;
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
  chat::Broker& broker;
  runtime::MetricsRegistry& metrics;
  std::vector<plugins::PluginInstance*>& started;  // stop order is its reverse
};

// Never throws; returns false if the reload, or a plugin's part of it,
// was refused.
bool reload(Running& running);

}  // namespace natter
