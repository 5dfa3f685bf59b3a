#pragma once
// What the broker measures on its own: every error code a client is told,
// and the latency of every plugin call, labelled by plugin and call, so a
// slow backend shows up as itself. Registered once; any thread may update.

#include <array>
#include <string>
#include <vector>

#include <natter/values.hpp>

#include "runtime/metrics.hpp"

namespace natter::chat {

class BrokerMetrics {
 public:
  BrokerMetrics(runtime::MetricsRegistry& registry, const std::string& storage_name,
                const std::string& auth_name);

  // Registers call histograms for the limiter and filter chains, in chain
  // order (at start and after a reload). Loop thread, like every reader of
  // admit and inspect.
  void set_chains(const std::vector<std::string>& limiter_names, const std::vector<std::string>& filter_names);

  // A client was answered with `code`.
  void error(natter::ErrorCode code) noexcept;

  runtime::HistogramMetric& append;        // storage: append until committed
  runtime::HistogramMetric& history;       // storage: history read
  runtime::HistogramMetric& authenticate;  // auth
  runtime::CounterMetric& events;          // events handed to sessions, one per recipient
  std::vector<runtime::HistogramMetric*> admit;    // per rate limiter, in chain order
  std::vector<runtime::HistogramMetric*> inspect;  // per filter, in chain order

 private:
  runtime::MetricsRegistry& registry_;
  std::array<runtime::CounterMetric*, 14> errors_{};  // by ErrorCode
};

}  // namespace natter::chat
