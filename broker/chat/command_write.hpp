#pragma once
// Room state a client's command changed, persisted on that command's
// behalf: the session is held until storage answers (its later commands
// wait, in order), a failure is told to the client as `unavailable`, and
// `stored` runs with the session, or with nullptr if it ended meanwhile.
// Loop thread only; `stored` runs on the loop.

#include <functional>
#include <string>

#include "chat/outbox.hpp"
#include "chat/room_catalog.hpp"
#include "chat/session.hpp"
#include "chat/session_table.hpp"
#include "chat/state_store.hpp"

namespace natter::chat {

// What write_for_command works through; all borrowed.
struct CommandWriteParts {
  StateStore& state;
  SessionTable& sessions;
  Outbox& outbox;
};

// `what` names the change for the error ("the invitation").
void write_for_command(CommandWriteParts parts, Session& session, std::string ref, const StateChanges& changes,
                       std::string what, std::function<void(Session*)> stored);

}  // namespace natter::chat
