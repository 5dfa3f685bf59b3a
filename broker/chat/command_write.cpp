#include "chat/command_write.hpp"

namespace natter::chat {

void write_for_command(CommandWriteParts parts, Session& session, std::string ref, const StateChanges& changes,
                       std::string what, std::function<void(Session*)> stored) {
  session.hold();
  parts.state.write(changes, [parts, id = session.id(), ref = std::move(ref), what = std::move(what),
                              stored = std::move(stored)](natter::ErrorCode code, std::string detail) {
    Session* session = parts.sessions.find(id);
    ResumeAtEnd resume(session);
    if (code == natter::ErrorCode::none) return stored(session);
    if (session) {
      parts.outbox.send_error(*session, ref, natter::ErrorCode::unavailable,
                              "could not store " + what + ": " + detail);
    }
  });
}

}  // namespace natter::chat
