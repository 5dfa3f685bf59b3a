#include "chat/snowflake.hpp"

#include <chrono>
#include <stdexcept>

namespace natter::chat {

namespace {
constexpr int kSequenceBits = 12;
constexpr int kNodeBits = 10;
constexpr std::uint32_t kMaxSequence = (1u << kSequenceBits) - 1;
}  // namespace

SnowflakeGenerator::SnowflakeGenerator(std::uint32_t node_id) : node_id_(node_id) {
  if (node_id > kMaxNode) throw std::invalid_argument("snowflake node id must be 0-1023");
}

Snowflake SnowflakeGenerator::next(std::int64_t now_unix_ms) {
  std::int64_t ms = now_unix_ms - kEpochUnixMs;
  if (ms > last_ms_) {
    last_ms_ = ms;
    sequence_ = 0;
  } else if (sequence_ < kMaxSequence) {
    ++sequence_;
  } else {
    ++last_ms_;
    sequence_ = 0;
  }
  const std::uint64_t id = (static_cast<std::uint64_t>(last_ms_) << (kNodeBits + kSequenceBits)) |
                           (static_cast<std::uint64_t>(node_id_) << kSequenceBits) | sequence_;
  return {id, last_ms_ + kEpochUnixMs};
}

Snowflake SnowflakeGenerator::next() {
  using namespace std::chrono;
  return next(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

std::int64_t SnowflakeGenerator::unix_ms_of(std::uint64_t id) {
  return static_cast<std::int64_t>(id >> (kNodeBits + kSequenceBits)) + kEpochUnixMs;
}

std::uint32_t SnowflakeGenerator::node_of(std::uint64_t id) {
  return static_cast<std::uint32_t>((id >> kSequenceBits) & kMaxNode);
}

}  // namespace natter::chat
