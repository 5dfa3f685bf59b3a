#pragma once
// Edits and deletions: an author replaces the body of what they sent, or
// takes it back; a room's owner may also delete what others sent there.
// Storage applies each revision in order with the room's appends and
// checks the author, so the old text is gone for good; then the room's
// sessions here hear `edited` or `deleted`, and the room's recent
// messages are corrected so pages show the message as it now stands. An
// edit's body passes the content filters like a new message. Loop thread
// only; storage answers on any thread and hops here.

#include <string>

#include <natter/storage.hpp>

#include "chat/room_catalog.hpp"
#include "chat/room_directory.hpp"
#include "chat/send_pipeline.hpp"
#include "chat/session.hpp"
#include "chat/snowflake.hpp"

namespace natter::chat {

// What the service works with; all borrowed, all outlive it.
struct MessageEditsParts {
  RoomCatalog& catalog;
  RoomDirectory& rooms;
  SessionTable& sessions;
  Outbox& outbox;
  SnowflakeGenerator& ids;
  SendPipeline& sends;           // its content filters
  ClusterBus& bus;
  natter::MessageRevisions* revisions;  // null: storage keeps no edits
  runtime::Executor& loop;
};

class MessageEdits {
 public:
  explicit MessageEdits(MessageEditsParts parts) : parts_(parts) {}

  // The `edit` op. Answers with the `edited` event, or an error.
  void edit(Session& session, OwnedCommand command);
  // The `delete` op. Answers with the `deleted` event, or an error.
  void remove(Session& session, const OwnedCommand& command);
  // Another node revised a message: correct the recent copy, tell the room here.
  void heard(const StoredMessage& revision, const std::string& by) { tell_here(nullptr, revision, by); }

 private:
  // Checks what both ops need; false after answering the client.
  bool admissible(Session& session, const OwnedCommand& command);
  void revise(Session& session, const OwnedCommand& command, std::string body, bool deleted,
              std::string_view author);
  // Storage applied it: correct the recent copy, tell the room.
  void revised(Session* asker, const std::string& ref, const StoredMessage& revision, const std::string& by);
  // The part of revised() every node does; returns the message as told.
  StoredMessage tell_here(Session* asker, const StoredMessage& revision, const std::string& by);

  MessageEditsParts parts_;
};

}  // namespace natter::chat
