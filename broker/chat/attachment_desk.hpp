#pragma once
// Files shared in rooms (ABI 1.11). Answers `upload` and `download`
// through the attachments plugin, for members of the room only, and checks
// the files a `send` names: each one issued for that room, described
// within bounds. Without an attachments plugin all three are refused with
// `unavailable`, saying so. Loop thread only; the plugin answers on any
// thread and the answer hops here.

#include <cstddef>

#include <natter/attachments.hpp>

#include "chat/outbox.hpp"
#include "chat/session.hpp"
#include "chat/session_table.hpp"
#include "runtime/executor.hpp"

namespace natter::chat {

// Bounds on what a message may say about its files.
inline constexpr std::size_t kMaxAttachmentsPerMessage = 10;
inline constexpr std::size_t kMaxAttachmentNameBytes = 255;
inline constexpr std::size_t kMaxAttachmentTypeBytes = 127;
inline constexpr std::size_t kMaxAttachmentKeyBytes = 1024;

class AttachmentDesk {
 public:
  // `plugin` may be null (none configured); the rest outlives the desk.
  AttachmentDesk(natter::Attachments* plugin, SessionTable& sessions, Outbox& outbox, runtime::Executor& loop);

  bool configured() const noexcept { return plugin_ != nullptr; }
  // Answers with an `upload` event (the presigned PUT) or an error.
  void upload(Session& session, const OwnedCommand& command);
  // Answers with a `download` event (the presigned GET) or an error.
  void download(Session& session, const OwnedCommand& command);
  // Whether the files `command` (a send to command.room) names may go with
  // it; when not, the session has been told why.
  bool send_admissible(Session& session, const OwnedCommand& command);

 private:
  // Where the plugin's answer goes: as an event of `kind` about `file`,
  // to session `session_id` if it is still open. Frees itself.
  natter::PresignDone& answer(std::uint64_t session_id, natter::EventKind kind, const OwnedCommand& command,
                              OwnedAttachment file);
  bool usable(Session& session, const OwnedCommand& command, const char* what);

  natter::Attachments* plugin_;
  SessionTable& sessions_;
  Outbox& outbox_;
  runtime::Executor& loop_;
};

}  // namespace natter::chat
