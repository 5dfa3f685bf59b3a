#pragma once
// Who should hear of a message some other way (ABI 1.11 hooks): the other
// user of a direct room, and the members a room message names as @user,
// when they have no live session on any node. Called on the node that
// accepted the message, so a cluster tells the hooks once. Loop thread
// only; hooks queue what they are handed and return.

#include <string>
#include <string_view>
#include <vector>

#include <natter/hook.hpp>

#include "chat/presence.hpp"
#include "faults/guarded_hook.hpp"
#include "chat/room_catalog.hpp"
#include "chat/stored_message.hpp"

namespace natter::chat {

// The user names a body mentions: "@name" at the start or after a space
// or punctuation, up to the next space or punctuation; each name once.
std::vector<std::string> mentioned_users(std::string_view body);

class OfflineNotices {
 public:
  // Borrows everything; all of it outlives the service.
  OfflineNotices(std::vector<faults::GuardedHook*> hooks, const RoomCatalog& catalog, const Presence& presence);

  // Why `message` (not yet accepted) must be refused, or empty: it concerns
  // an offline user, and a hook that fails closed cannot take notices now.
  std::string_view refusal_for(const StoredMessage& message) const;
  // `message` was accepted (stored or on its way): tell the hooks of the
  // users it concerns who are offline.
  void accepted(const StoredMessage& message);

 private:
  // Calls `each(user, reason)` for every offline user `message` concerns.
  template <class Each>
  void for_each_offline(const StoredMessage& message, Each&& each) const;

  std::vector<faults::GuardedHook*> hooks_;
  const RoomCatalog& catalog_;
  const Presence& presence_;
};

}  // namespace natter::chat
