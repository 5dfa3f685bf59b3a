#include "chat/password_backoff.hpp"

#include <algorithm>

namespace natter::chat {

namespace {
constexpr std::chrono::milliseconds kLongestPause{60'000};
// A record is forgotten this long after its pause ended.
constexpr std::chrono::minutes kMemory{10};
constexpr std::size_t kPruneAbove = 10'000;
}  // namespace

std::uint32_t PasswordBackoff::wait_ms(const std::string& user, const std::string& room,
                                       Clock::time_point now) const {
  auto it = records_.find({user, room});
  if (it == records_.end() || it->second.until <= now) return 0;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(it->second.until - now);
  return static_cast<std::uint32_t>(std::max<std::int64_t>(1, left.count()));
}

void PasswordBackoff::failed(const std::string& user, const std::string& room, Clock::time_point now) {
  if (records_.size() > kPruneAbove) prune(now);
  Record& r = records_[{user, room}];
  r.failures = std::min<std::uint32_t>(r.failures + 1, 16);
  const auto pause = std::min(kLongestPause, first_pause_ * (1u << (r.failures - 1)));
  r.until = now + pause;
}

void PasswordBackoff::succeeded(const std::string& user, const std::string& room) { records_.erase({user, room}); }

void PasswordBackoff::prune(Clock::time_point now) {
  std::erase_if(records_, [&](const auto& r) { return r.second.until + kMemory < now; });
}

}  // namespace natter::chat
