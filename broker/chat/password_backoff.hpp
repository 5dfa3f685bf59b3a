#pragma once
// Slows down guessing: after a wrong password for a room, the same user's
// next attempt at that room is refused (rate_limited) until a pause has
// passed, and the pause doubles with each further wrong password, up to a
// minute. A right password clears it. Per user and room, so one user's
// guessing does not lock others out. Loop thread only.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace natter::chat {

class PasswordBackoff {
 public:
  using Clock = std::chrono::steady_clock;
  explicit PasswordBackoff(std::chrono::milliseconds first_pause) : first_pause_(first_pause) {}

  // 0 if `user` may try `room` now, else how many ms to wait.
  std::uint32_t wait_ms(const std::string& user, const std::string& room, Clock::time_point now) const;
  void failed(const std::string& user, const std::string& room, Clock::time_point now);
  void succeeded(const std::string& user, const std::string& room);

 private:
  struct Record {
    std::uint32_t failures = 0;
    Clock::time_point until;
  };
  // Forgets records whose pause ended long ago, so guessing at many rooms
  // cannot grow the map without bound.
  void prune(Clock::time_point now);

  std::chrono::milliseconds first_pause_;
  std::map<std::pair<std::string, std::string>, Record> records_;
};

}  // namespace natter::chat
