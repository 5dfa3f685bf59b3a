#pragma once
// The broker's metrics: counters, gauges and latency histograms that any
// thread updates without locks, rendered in Prometheus text format.
// Metrics live until the registry is destroyed (end of main).

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <natter/host.hpp>

namespace natter::runtime {

class CounterMetric final : public natter::Counter {
 public:
  void add(std::uint64_t n) noexcept override { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class GaugeMetric final : public natter::Gauge {
 public:
  void set(std::int64_t v) noexcept override { value_.store(v, std::memory_order_relaxed); }
  void add(std::int64_t d) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

class HistogramMetric final : public natter::Histogram {
 public:
  // Upper bounds in seconds, 50 µs to 10 s.
  static constexpr std::array<double, 14> kBounds = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
      0.01,    0.025,  0.05,    0.1,    0.5,   1.0,    10.0};

  void observe(double seconds) noexcept override;
  // `labels` is empty or rendered pairs (a="x"), merged with each bucket's le.
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

// Label pairs of one series, e.g. {{"plugin", "sqlite"}, {"call", "append"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  // Any thread. The same name and labels return the same series; help is
  // kept from the first call for a name.
  CounterMetric& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  GaugeMetric& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  HistogramMetric& histogram(std::string_view name, std::string_view help, const Labels& labels = {});

  // Prometheus text exposition format 0.0.4. Any thread.
  std::string render() const;

 private:
  struct Series {
    std::unique_ptr<CounterMetric> counter;
    std::unique_ptr<GaugeMetric> gauge;
    std::unique_ptr<HistogramMetric> histogram;
  };
  struct Family {
    std::string help;
    std::map<std::string, Series> series;  // by rendered labels: a="x",b="y"
  };
  Series& series(std::string_view name, std::string_view help, const Labels& labels);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace natter::runtime
