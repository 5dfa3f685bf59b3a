#pragma once
// Message ids: 64-bit snowflakes, unique across nodes and ordered by time.
// Layout: 41 bits of milliseconds since 2024-01-01, 10 bits of node id,
// 12 bits of sequence within the millisecond.

#include <cstdint>

namespace natter::chat {

struct Snowflake {
  std::uint64_t id;
  std::int64_t unix_ms;
};

class SnowflakeGenerator {
 public:
  static constexpr std::int64_t kEpochUnixMs = 1704067200000;  // 2024-01-01T00:00:00Z
  static constexpr std::uint32_t kMaxNode = 1023;

  explicit SnowflakeGenerator(std::uint32_t node_id);

  // Not thread-safe: the broker loop is the only caller. `now_unix_ms` is
  // passed in so tests can drive the clock. If the clock steps back, or
  // 4096 ids are taken in one millisecond, ids keep increasing by borrowing
  // the next millisecond instead of waiting or repeating.
  Snowflake next(std::int64_t now_unix_ms);
  Snowflake next();  // with the system clock

  static std::int64_t unix_ms_of(std::uint64_t id);
  static std::uint32_t node_of(std::uint64_t id);

 private:
  std::uint32_t node_id_;
  std::int64_t last_ms_ = 0;  // since the epoch
  std::uint32_t sequence_ = 0;
};

}  // namespace natter::chat
