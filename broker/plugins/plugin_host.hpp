#pragma once
// The broker's Host for one plugin instance: its log lines carry the
// plugin's name and its metrics a per-plugin prefix.

#include <string>

#include <natter/host.hpp>

#include "runtime/metrics.hpp"

namespace natter::plugins {

class PluginHost final : public natter::Host {
 public:
  PluginHost(std::string plugin_name, std::uint32_t node_id, runtime::MetricsRegistry& metrics);

  void log(natter::LogLevel level, std::string_view message) noexcept override;
  bool log_enabled(natter::LogLevel level) const noexcept override;
  natter::Counter& counter(std::string_view name, std::string_view help) noexcept override;
  natter::Gauge& gauge(std::string_view name, std::string_view help) noexcept override;
  natter::Histogram& histogram(std::string_view name, std::string_view help) noexcept override;
  std::uint32_t node_id() const noexcept override { return node_id_; }

 private:
  std::string metric_name(std::string_view name) const;

  std::string plugin_name_;
  std::uint32_t node_id_;
  runtime::MetricsRegistry& metrics_;
};

}  // namespace natter::plugins
