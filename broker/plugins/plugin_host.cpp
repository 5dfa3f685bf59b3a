#include "plugins/plugin_host.hpp"

#include "runtime/logging.hpp"

namespace natter::plugins {

PluginHost::PluginHost(std::string plugin_name, std::uint32_t node_id,
                       runtime::MetricsRegistry& metrics)
    : plugin_name_(std::move(plugin_name)), node_id_(node_id), metrics_(metrics) {}

void PluginHost::log(natter::LogLevel level, std::string_view message) noexcept {
  try {
    runtime::log().log(runtime::to_spdlog(level), "[{}] {}", plugin_name_, message);
  } catch (...) {
    // Logging must never take a plugin down.
  }
}

bool PluginHost::log_enabled(natter::LogLevel level) const noexcept {
  return runtime::log().should_log(runtime::to_spdlog(level));
}

std::string PluginHost::metric_name(std::string_view name) const {
  std::string full = "natter_plugin_" + plugin_name_ + "_" + std::string(name);
  for (char& c : full) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return full;
}

// Registration allocates; if that throws, the process is out of memory and
// terminate() is the honest answer, so these stay noexcept.
natter::Counter& PluginHost::counter(std::string_view name, std::string_view help) noexcept {
  return metrics_.counter(metric_name(name), help);
}

natter::Gauge& PluginHost::gauge(std::string_view name, std::string_view help) noexcept {
  return metrics_.gauge(metric_name(name), help);
}

natter::Histogram& PluginHost::histogram(std::string_view name, std::string_view help) noexcept {
  return metrics_.histogram(metric_name(name), help);
}

}  // namespace natter::plugins
