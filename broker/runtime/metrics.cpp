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

void HistogramMetric::render(std::string& out, const std::string& name, const std::string& labels) const {
  const std::string prefix = labels.empty() ? "" : labels + ",";
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  std::uint64_t cumulative = 0;
  char bound[32];
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::snprintf(bound, sizeof bound, "%g", kBounds[i]);
    out += name + "_bucket{" + prefix + "le=\"" + bound + "\"} " + std::to_string(cumulative) + "\n";
  }
  cumulative += buckets_[kBounds.size()].load(std::memory_order_relaxed);
  out += name + "_bucket{" + prefix + "le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  char sum[48];
  std::snprintf(sum, sizeof sum, "%.9f", static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
  out += name + "_sum" + braces + " " + sum + "\n";
  out += name + "_count" + braces + " " + std::to_string(count_.load(std::memory_order_relaxed)) + "\n";
}

namespace {

// a="x",b="y" with Prometheus escaping of the values.
std::string render_labels(const Labels& labels) {
  std::string out;
  for (const auto& [key, value] : labels) {
    if (!out.empty()) out += ',';
    out += key + "=\"";
    for (char c : value) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  return out;
}

}  // namespace

MetricsRegistry::Series& MetricsRegistry::series(std::string_view name, std::string_view help,
                                                 const Labels& labels) {
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(std::string(name), Family{std::string(help), {}}).first;
  return it->second.series[render_labels(labels)];
}

CounterMetric& MetricsRegistry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series& s = series(name, help, labels);
  if (!s.counter) s.counter = std::make_unique<CounterMetric>();
  return *s.counter;
}

GaugeMetric& MetricsRegistry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series& s = series(name, help, labels);
  if (!s.gauge) s.gauge = std::make_unique<GaugeMetric>();
  return *s.gauge;
}

HistogramMetric& MetricsRegistry::histogram(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series& s = series(name, help, labels);
  if (!s.histogram) s.histogram = std::make_unique<HistogramMetric>();
  return *s.histogram;
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    if (family.series.empty()) continue;
    const Series& first = family.series.begin()->second;
    const char* type = first.counter ? "counter" : first.gauge ? "gauge" : "histogram";
    out += "# HELP " + name + " " + family.help + "\n# TYPE " + name + " " + type + "\n";
    for (const auto& [labels, s] : family.series) {
      const std::string braces = labels.empty() ? "" : "{" + labels + "}";
      if (s.counter) out += name + braces + " " + std::to_string(s.counter->value()) + "\n";
      if (s.gauge) out += name + braces + " " + std::to_string(s.gauge->value()) + "\n";
      if (s.histogram) s.histogram->render(out, name, labels);
    }
  }
  return out;
}

}  // namespace natter::runtime
