#include "runtime/metrics.hpp"

#include <cstdio>

namespace natter::runtime {

void HistogramMetric::observe(double seconds) noexcept {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void HistogramMetric::render(std::string& out, const std::string& name) const {
  std::uint64_t cumulative = 0;
  char line[160];
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::snprintf(line, sizeof line, "%s_bucket{le=\"%g\"} %llu\n", name.c_str(), kBounds[i],
                  static_cast<unsigned long long>(cumulative));
    out += line;
  }
  cumulative += buckets_[kBounds.size()].load(std::memory_order_relaxed);
  std::snprintf(line, sizeof line, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.9f\n%s_count %llu\n",
                name.c_str(), static_cast<unsigned long long>(cumulative), name.c_str(),
                static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9, name.c_str(),
                static_cast<unsigned long long>(count_.load(std::memory_order_relaxed)));
  out += line;
}

MetricsRegistry::Family& MetricsRegistry::family(std::string_view name, std::string_view help) {
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(std::string(name), Family{std::string(help), nullptr, nullptr, nullptr}).first;
  return it->second;
}

CounterMetric& MetricsRegistry::counter(std::string_view name, std::string_view help) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help);
  if (!f.counter) f.counter = std::make_unique<CounterMetric>();
  return *f.counter;
}

GaugeMetric& MetricsRegistry::gauge(std::string_view name, std::string_view help) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help);
  if (!f.gauge) f.gauge = std::make_unique<GaugeMetric>();
  return *f.gauge;
}

HistogramMetric& MetricsRegistry::histogram(std::string_view name, std::string_view help) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help);
  if (!f.histogram) f.histogram = std::make_unique<HistogramMetric>();
  return *f.histogram;
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n";
    if (f.counter) {
      out += "# TYPE " + name + " counter\n" + name + " " + std::to_string(f.counter->value()) + "\n";
    } else if (f.gauge) {
      out += "# TYPE " + name + " gauge\n" + name + " " + std::to_string(f.gauge->value()) + "\n";
    } else if (f.histogram) {
      out += "# TYPE " + name + " histogram\n";
      f.histogram->render(out, name);
    }
  }
  return out;
}

}  // namespace natter::runtime
