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
  // out on this thread. The broker's loop thread. Not called on a hook
  // that is also a ConfirmedHook.
  virtual void offline(const OfflineNotice& notice) noexcept = 0;
};

// ABI 1.12, broker-owned: whether the hook took one notice. Called exactly
// once, from any thread (inline too): ok() once the hook holds the notice
// (queued, or handed on); `unavailable` when it cannot take it (its queue
// is full, its receiver has been gone too long). The broker times the
// answer against the hook's deadline (docs/configuration.md, "Fault
// policy"); late or failed answers trip the hook's circuit breaker.
class NoticeTaken {
 public:
  virtual void taken(Status status) noexcept = 0;

 protected:
  ~NoticeTaken() = default;
};

// ABI 1.12, optional: a hook that also derives from ConfirmedHook is
// called through this instead of Hook::offline, and answers each notice.
// A hook built for 1.11 is called through Hook::offline, and the broker
// counts every call as taken.
class ConfirmedHook {
 public:
  static constexpr const char* kInterface = "natter.confirmed_hook.1";
  // Copies the notice, returns at once and answers `done` once it knows.
  // The broker's loop thread.
  virtual void offline(const OfflineNotice& notice, NoticeTaken& done) noexcept = 0;

 protected:
  ~ConfirmedHook() = default;
};

}  // namespace natter
