#pragma once
// What the broker offers every plugin: logging, metrics, and its own
// validated config table. The broker owns every object here; all of them
// outlive the plugin instance they were handed to.

#include <cstdint>
#include <string_view>

namespace natter {

enum class LogLevel : std::uint32_t { trace = 0, debug = 1, info = 2, warn = 3, error = 4 };

// A broker-owned sink for one human-readable line (an error reason).
// Calling report() again replaces the earlier text. Any thread.
class Diagnostic {
 public:
  virtual void report(std::string_view message) noexcept = 0;

 protected:
  ~Diagnostic() = default;
};

class Counter {
 public:
  virtual void add(std::uint64_t n) noexcept = 0;  // any thread, lock-free
 protected:
  ~Counter() = default;
};

class Gauge {
 public:
  virtual void set(std::int64_t value) noexcept = 0;  // any thread, lock-free
 protected:
  ~Gauge() = default;
};

// Latency histogram in seconds with the broker's standard buckets.
class Histogram {
 public:
  virtual void observe(double seconds) noexcept = 0;  // any thread, lock-free
 protected:
  ~Histogram() = default;
};

// The plugin's own table from natter.toml, already checked by the broker
// against the plugin's declared keys (see ConfigKey): unknown keys, wrong
// types and missing required keys never reach the plugin. A key that is
// absent reads as its declared default. Any thread; the returned views
// live as long as the plugin instance. Asking for an undeclared key, or
// with the wrong getter, returns the type's zero value.
class PluginConfig {
 public:
  virtual std::string_view get_string(std::string_view key) const noexcept = 0;
  virtual std::int64_t get_int(std::string_view key) const noexcept = 0;
  virtual bool get_bool(std::string_view key) const noexcept = 0;
  virtual double get_double(std::string_view key) const noexcept = 0;
  virtual std::size_t list_size(std::string_view key) const noexcept = 0;
  virtual std::string_view list_item(std::string_view key, std::size_t index) const noexcept = 0;
  // Writes "file:line: [section] key 'key': " to `out`, for errors the
  // declared type cannot express (ranges, formats).
  virtual void locate(std::string_view key, Diagnostic& out) const noexcept = 0;

 protected:
  ~PluginConfig() = default;
};

// The broker's services for one plugin instance.
class Host {
 public:
  // Any thread. The broker prefixes the plugin's name.
  virtual void log(LogLevel level, std::string_view message) noexcept = 0;
  virtual bool log_enabled(LogLevel level) const noexcept = 0;

  // Any thread. Returns a broker-owned metric that lives until the process
  // exits; asking twice for one name returns the same metric. The broker
  // prefixes "natter_plugin_<name>_" so plugins cannot collide.
  virtual Counter& counter(std::string_view name, std::string_view help) noexcept = 0;
  virtual Gauge& gauge(std::string_view name, std::string_view help) noexcept = 0;
  virtual Histogram& histogram(std::string_view name, std::string_view help) noexcept = 0;

  // This node's id (broker.node_id), for plugins that tag what they emit.
  virtual std::uint32_t node_id() const noexcept = 0;

 protected:
  ~Host() = default;
};

}  // namespace natter
