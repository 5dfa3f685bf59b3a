#pragma once
// ABI 1.11: hooks hear of messages that reached users who were not there
// to see them, to tell them some other way (a push notification, an
// e-mail). The broker calls every hook when a direct message, or a room
// message naming a member as @user, reaches a user with no live session
// on any node. Only the node that accepted the message calls, so a
// cluster tells each hook once. What a hook does then (batching, retries,
// its own queue) is its own business; the broker never waits for it.

#include <cstdint>

#include "natter/abi.hpp"
#include "natter/values.hpp"

namespace natter {

// Why a user hears of a message. Numbers are ABI and never reused.
enum class NoticeReason : std::uint32_t {
  direct = 1,   // a direct message to them
  mention = 2,  // a room message that names them as @user
};

struct OfflineNotice {
  std::string_view user;  // the offline user to tell
  NoticeReason reason = NoticeReason::direct;
  MessageView message;    // as accepted: room, id, ts_ms, sender, body
};

class Hook : public Plugin {
 public:
  virtual bool start(Diagnostic& error) noexcept = 0;  // main thread
  // Copies the notice and returns at once: queue it, never block or call
  // out on this thread. The broker's loop thread.
  virtual void offline(const OfflineNotice& notice) noexcept = 0;
};

}  // namespace natter
