#include "chat/broker_metrics.hpp"

namespace natter::chat {

namespace {

constexpr const char* kCallSeconds = "natter_plugin_call_seconds";
constexpr const char* kCallHelp = "Latency of calls into plugins, as the broker sees it";

runtime::HistogramMetric& call(runtime::MetricsRegistry& r, const std::string& plugin, const char* name) {
  return r.histogram(kCallSeconds, kCallHelp, {{"plugin", plugin}, {"call", name}});
}

}  // namespace

BrokerMetrics::BrokerMetrics(runtime::MetricsRegistry& r, const std::string& storage_name,
                             const std::string& auth_name)
    : append(call(r, storage_name, "append")),
      history(call(r, storage_name, "history")),
      authenticate(call(r, auth_name, "authenticate")),
      events(r.counter("natter_events_total", "Events handed to sessions, of every kind, one per recipient")),
      registry_(r) {
  for (std::size_t code = 1; code < errors_.size(); ++code) {
    errors_[code] = &r.counter("natter_errors_total", "Errors sent to clients, by code",
                               {{"code", std::string(natter::to_string(static_cast<natter::ErrorCode>(code)))}});
  }
}

void BrokerMetrics::set_chains(const std::vector<std::string>& limiter_names,
                               const std::vector<std::string>& filter_names) {
  admit.clear();
  inspect.clear();
  for (const auto& name : limiter_names) admit.push_back(&call(registry_, name, "admit"));
  for (const auto& name : filter_names) inspect.push_back(&call(registry_, name, "inspect"));
}

void BrokerMetrics::error(natter::ErrorCode code) noexcept {
  const auto i = static_cast<std::size_t>(code);
  if (i < errors_.size() && errors_[i]) errors_[i]->add(1);
}

}  // namespace natter::chat
