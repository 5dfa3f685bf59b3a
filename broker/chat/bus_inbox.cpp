#include "chat/bus_inbox.hpp"

#include "runtime/logging.hpp"

namespace natter::chat {

namespace {
constexpr std::size_t kRemembered = 8192;
constexpr std::string_view kDropped = "natter_bus_dropped_total";
constexpr std::string_view kDroppedHelp = "Envelopes from other nodes dropped unread, by reason";
}  // namespace

BusInbox::BusInbox(std::uint32_t node_id, RemoteEvents& remote, runtime::Executor& loop,
                   runtime::MetricsRegistry& metrics, GapHandler gap)
    : node_id_(node_id),
      remote_(remote),
      loop_(loop),
      on_gap_(std::move(gap)),
      received_(metrics.counter("natter_bus_received_total", "Envelopes received from other nodes and applied")),
      newer_(metrics.counter(kDropped, kDroppedHelp, {{"reason", "newer_version"}})),
      malformed_(metrics.counter(kDropped, kDroppedHelp, {{"reason", "malformed"}})),
      duplicates_(metrics.counter(kDropped, kDroppedHelp, {{"reason", "duplicate"}})),
      gaps_(metrics.counter("natter_bus_gaps_total", "Times the pub/sub plugin said messages may have been missed")) {}

void BusInbox::received(std::string_view topic, std::span<const std::byte> payload) noexcept {
  DecodeError error = DecodeError::none;
  std::optional<Envelope> decoded;
  try {
    decoded = decode_envelope(payload, error);
  } catch (...) {
    error = DecodeError::malformed;  // out of memory for it: as good as unreadable
  }
  if (!decoded) {
    (error == DecodeError::newer_version ? newer_ : malformed_).add(1);
    runtime::log().warn("dropped a {} envelope on '{}' ({} bytes)",
                        error == DecodeError::newer_version ? "newer version's" : "malformed", topic, payload.size());
    return;
  }
  if (decoded->origin_node == node_id_) return;  // our own echo (plugins before ABI 1.9)
  try {
    loop_.post([this, envelope = std::move(*decoded)] {
      if (!first_time(envelope)) {
        duplicates_.add(1);
        return;
      }
      received_.add(1);
      remote_.apply(envelope);
    });
  } catch (...) {
    // Out of memory: this node's members miss it live and recover it from
    // storage with `since`.
  }
}

void BusInbox::gap(std::string_view reason) noexcept {
  gaps_.add(1);
  runtime::log().warn("the pub/sub plugin may have missed what other nodes published: {}", reason);
  try {
    loop_.post([this] { on_gap_(); });
  } catch (...) {
  }
}

bool BusInbox::first_time(const Envelope& envelope) {
  if (envelope.sequence == 0) return true;  // version 1: no sequence, and never sent twice
  const std::uint64_t key = (std::uint64_t{envelope.origin_node} << 44) ^ envelope.sequence;
  if (!seen_.insert(key).second) return false;
  seen_order_.push_back(key);
  if (seen_order_.size() > kRemembered) {
    seen_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  return true;
}

}  // namespace natter::chat
