#pragma once
// What a plugin's own test binary needs to run a conformance kit on the
// plugin without natterd: a Host that logs to stderr and keeps metrics in
// memory, a PluginConfig from a plugin's declared keys and the values a
// test sets, and creating an instance from the plugin's descriptor (the
// `natter_plugin` symbol NATTER_PLUGIN defines, compiled into the test).
// Header-only; ships with the kits (find_package(NatterSDK COMPONENTS
// conformance)). Single-threaded set-up; Host and config are then safe from
// any thread, as the SDK promises plugins.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <natter/plugin.hpp>

namespace natter::conformance {

class TestHost final : public natter::Host {
 public:
  explicit TestHost(std::uint32_t node_id = 1, natter::LogLevel level = natter::LogLevel::info)
      : node_id_(node_id), level_(level) {}

  void log(natter::LogLevel level, std::string_view message) noexcept override {
    if (!log_enabled(level)) return;
    std::lock_guard lock(mutex_);
    std::cerr << "[plugin] " << message << "\n";
  }
  bool log_enabled(natter::LogLevel level) const noexcept override { return level >= level_; }
  natter::Counter& counter(std::string_view name, std::string_view) noexcept override {
    return metric(counters_, name);
  }
  natter::Gauge& gauge(std::string_view name, std::string_view) noexcept override { return metric(gauges_, name); }
  natter::Histogram& histogram(std::string_view name, std::string_view) noexcept override {
    return metric(histograms_, name);
  }
  std::uint32_t node_id() const noexcept override { return node_id_; }

  // What a counter named `name` (without natterd's prefix) has added up to.
  std::uint64_t counted(std::string_view name) {
    return metric(counters_, name).total.load();
  }

 private:
  struct CounterValue final : natter::Counter {
    std::atomic<std::uint64_t> total{0};
    void add(std::uint64_t n) noexcept override { total += n; }
  };
  struct GaugeValue final : natter::Gauge {
    std::atomic<std::int64_t> value{0};
    void set(std::int64_t v) noexcept override { value = v; }
  };
  struct HistogramValue final : natter::Histogram {
    std::atomic<std::uint64_t> observations{0};
    void observe(double) noexcept override { ++observations; }
  };

  template <class Value>
  Value& metric(std::map<std::string, std::unique_ptr<Value>, std::less<>>& metrics, std::string_view name) {
    std::lock_guard lock(mutex_);
    auto found = metrics.find(name);
    if (found == metrics.end()) found = metrics.emplace(std::string(name), std::make_unique<Value>()).first;
    return *found->second;
  }

  std::uint32_t node_id_;
  natter::LogLevel level_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<CounterValue>, std::less<>> counters_;
  std::map<std::string, std::unique_ptr<GaugeValue>, std::less<>> gauges_;
  std::map<std::string, std::unique_ptr<HistogramValue>, std::less<>> histograms_;
};

// A plugin's config as natterd would hand it over: every declared key at
// its default unless the test set it. Values are spelled as in a default
// (ConfigKey::default_value: "8080", "true", "a,b" for a list). Unlike
// natterd it checks no types; a test sets what it means to.
class TestConfig final : public natter::PluginConfig {
 public:
  TestConfig(std::span<const natter::ConfigKey> keys, std::map<std::string, std::string> values = {}) {
    for (const auto& key : keys) {
      auto set = values.find(key.name);
      if (set != values.end()) {
        values_[key.name] = set->second;
        values.erase(set);
      } else if (key.default_value) {
        values_[key.name] = key.default_value;
      } else {
        throw std::invalid_argument(std::string("required key '") + key.name + "' has no value");
      }
    }
    if (!values.empty()) throw std::invalid_argument("undeclared key '" + values.begin()->first + "'");
    for (const auto& [name, text] : values_) lists_[name] = split(text);
  }

  std::string_view get_string(std::string_view key) const noexcept override { return text(key); }
  std::int64_t get_int(std::string_view key) const noexcept override {
    return std::strtoll(std::string(text(key)).c_str(), nullptr, 10);
  }
  bool get_bool(std::string_view key) const noexcept override { return text(key) == "true"; }
  double get_double(std::string_view key) const noexcept override {
    return std::strtod(std::string(text(key)).c_str(), nullptr);
  }
  std::size_t list_size(std::string_view key) const noexcept override {
    auto found = lists_.find(key);
    return found == lists_.end() ? 0 : found->second.size();
  }
  std::string_view list_item(std::string_view key, std::size_t index) const noexcept override {
    auto found = lists_.find(key);
    return found == lists_.end() || index >= found->second.size() ? std::string_view() : found->second[index];
  }
  void locate(std::string_view key, natter::Diagnostic& out) const noexcept override {
    out.report("test config: key '" + std::string(key) + "': ");
  }

 private:
  std::string_view text(std::string_view key) const noexcept {
    auto found = values_.find(key);
    return found == values_.end() ? std::string_view() : std::string_view(found->second);
  }
  static std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> items;
    for (std::size_t start = 0; !text.empty() && start <= text.size();) {
      const auto comma = std::min(text.find(',', start), text.size());
      items.push_back(text.substr(start, comma - start));
      start = comma + 1;
    }
    return items;
  }

  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, std::vector<std::string>, std::less<>> lists_;
};

// An instance made by a plugin's descriptor, destroyed (after stop()) with
// it. `Kind` is the kind's interface (natter::Filter, natter::Storage, ...).
template <class Kind>
class PluginInstance {
 public:
  // Throws std::runtime_error with the plugin's reason when create fails.
  PluginInstance(const natter_plugin_descriptor& descriptor, natter::Host& host, const natter::PluginConfig& config)
      : descriptor_(descriptor) {
    struct Reason final : natter::Diagnostic {
      std::string text;
      void report(std::string_view message) noexcept override { text = message; }
    } reason;
    plugin_ = descriptor.create(&host, &config, &reason);
    if (!plugin_) throw std::runtime_error(std::string(descriptor.name) + ": " + reason.text);
  }
  ~PluginInstance() {
    plugin_->stop();
    descriptor_.destroy(plugin_);
  }
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  Kind& operator*() const { return *static_cast<Kind*>(plugin_); }
  Kind* operator->() const { return static_cast<Kind*>(plugin_); }

 private:
  const natter_plugin_descriptor& descriptor_;
  natter::Plugin* plugin_ = nullptr;
};

}  // namespace natter::conformance
