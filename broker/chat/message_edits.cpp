#include "chat/message_edits.hpp"

#include "chat/access.hpp"
#include "chat/loop_completions.hpp"

namespace natter::chat {

bool MessageEdits::admissible(Session& session, const OwnedCommand& command) {
  Outbox& outbox = parts_.outbox;
  const RoomRecord* record = parts_.catalog.find(command.room);
  if (!session.joined(command.room) || !record || !record->is_member(session.user)) {
    outbox.send_error(session, command.ref, natter::ErrorCode::not_member,
                      "join room '" + command.room + "' to change its messages");
    return false;
  }
  if (command.id == 0) {
    outbox.send_error(session, command.ref, natter::ErrorCode::bad_request, "field 'id' must be a message id");
    return false;
  }
  if (!parts_.revisions) {
    outbox.send_error(session, command.ref, natter::ErrorCode::unavailable,
                      "this server's storage cannot change stored messages");
    return false;
  }
  return true;
}

void MessageEdits::edit(Session& session, OwnedCommand command) {
  if (!admissible(session, command)) return;
  if (command.body.empty()) {
    parts_.outbox.send_error(session, command.ref, natter::ErrorCode::bad_request,
                             "field 'body' must not be empty (delete takes a message back)");
    return;
  }
  if (std::string rejection = parts_.sends.inspect(command.room, session.user, command.body); !rejection.empty()) {
    parts_.outbox.send_error(session, command.ref, natter::ErrorCode::rejected, rejection);
    return;
  }
  std::string body = std::move(command.body);
  revise(session, command, std::move(body), false, session.user);
}

void MessageEdits::remove(Session& session, const OwnedCommand& command) {
  if (!admissible(session, command)) return;
  // A room's owner moderates it: their deletion names no author.
  const bool owner = role_of(*parts_.catalog.find(command.room), session.user) == Role::owner;
  revise(session, command, {}, true, owner ? std::string_view{} : std::string_view{session.user});
}

void MessageEdits::revise(Session& session, const OwnedCommand& command, std::string body, bool deleted,
                          std::string_view author) {
  const Snowflake revision = parts_.ids.next();
  StoredMessage changed{command.id, 0, command.room, session.user, std::move(body), {revision.id, revision.unix_ms, deleted}};
  auto* write = new RevisionWrite(
      parts_.loop, [this, id = session.id(), ref = command.ref, changed, by = session.user,
                    moderated = author.empty()](natter::ErrorCode code, std::string detail) {
        Session* asker = parts_.sessions.find(id);
        if (code == natter::ErrorCode::none) return revised(asker, ref, changed, by);
        if (!asker) return;
        const std::string what = "message " + std::to_string(changed.id);
        if (code == natter::ErrorCode::not_found) {
          parts_.outbox.send_error(*asker, ref, code, "room '" + changed.room + "' has no " + what + " (or it was deleted)");
        } else if (code == natter::ErrorCode::forbidden) {
          parts_.outbox.send_error(*asker, ref, code,
                                   changed.mark.deleted && !moderated
                                       ? "only its author or the room's owner can delete " + what
                                       : "only its author can edit " + what);
        } else {
          parts_.outbox.send_error(*asker, ref, natter::ErrorCode::unavailable, what + " was not changed: " + detail);
        }
      });
  parts_.revisions->revise({changed.room, changed.id, author, changed.body, changed.mark}, *write);
}

void MessageEdits::revised(Session* asker, const std::string& ref, const StoredMessage& revision,
                           const std::string& by) {
  const StoredMessage told = tell_here(asker, revision, by);
  parts_.bus.event({told.mark.deleted ? natter::EventKind::deleted : natter::EventKind::edited, told.room, {}, by, told});
  if (!asker) return;
  auto answer = EventBuffer::make(told.mark.deleted ? natter::EventKind::deleted : natter::EventKind::edited);
  answer->set_ref(ref).set_stored(told).set_by(by);
  parts_.outbox.send(*asker, answer, revision.room);
}

StoredMessage MessageEdits::tell_here(Session* asker, const StoredMessage& revision, const std::string& by) {
  StoredMessage told = revision;
  Room* room = parts_.rooms.find(revision.room);
  if (room) {
    for (StoredMessage& recent : room->recent) {
      if (recent.id != revision.id) continue;
      recent.body = revision.body;
      recent.mark = revision.mark;
      // A deletion takes the files with the text; an edit keeps them.
      if (revision.mark.deleted) recent.attachments.clear();
      told.ts_ms = recent.ts_ms;
      told.sender = recent.sender;
      told.attachments = recent.attachments;
    }
  }
  auto event = EventBuffer::make(revision.mark.deleted ? natter::EventKind::deleted : natter::EventKind::edited);
  event->set_stored(told).set_by(by);
  if (room) {
    std::vector<Session*> others;
    others.reserve(room->members.size());
    for (Session* s : room->members) {
      if (s != asker) others.push_back(s);
    }
    // Held back behind a replay, which may still send the message itself.
    parts_.outbox.deliver(others, event, revision.room);
  }
  return told;
}

}  // namespace natter::chat
