#pragma once
// Envelopes other nodes published, as the pub/sub plugin hands them over:
// decoded (an envelope of a newer version or a broken one is dropped and
// counted), our own echoes dropped, and applied on the loop by
// RemoteEvents. A publication that arrived twice (a direct message goes to
// both users' topics, and a node may follow both) is applied once, by
// its origin's sequence number. received() and gap() run on the plugin's
// thread and hop to the loop.

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string_view>
#include <unordered_set>

#include <natter/pubsub.hpp>

#include "chat/remote_events.hpp"
#include "runtime/executor.hpp"
#include "runtime/metrics.hpp"

namespace natter::chat {

class BusInbox final : public natter::BusListener {
 public:
  using GapHandler = std::function<void()>;
  // Borrows `remote` and `loop`, which outlive the pub/sub plugin's stop();
  // `gap` runs on the loop when the plugin reports one.
  BusInbox(std::uint32_t node_id, RemoteEvents& remote, runtime::Executor& loop, runtime::MetricsRegistry& metrics,
           GapHandler gap);

  // BusListener: any thread.
  void received(std::string_view topic, std::span<const std::byte> payload) noexcept override;
  void gap(std::string_view reason) noexcept override;

 private:
  bool first_time(const Envelope& envelope);  // loop thread

  std::uint32_t node_id_;
  RemoteEvents& remote_;
  runtime::Executor& loop_;
  GapHandler on_gap_;
  // The last kRemembered publications applied, by origin and sequence.
  std::unordered_set<std::uint64_t> seen_;
  std::deque<std::uint64_t> seen_order_;
  runtime::CounterMetric& received_;
  runtime::CounterMetric& newer_;
  runtime::CounterMetric& malformed_;
  runtime::CounterMetric& duplicates_;
  runtime::CounterMetric& gaps_;
};

}  // namespace natter::chat
