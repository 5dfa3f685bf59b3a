#include "chat/attachment_desk.hpp"

#include "chat/attachment_completions.hpp"

namespace natter::chat {

namespace {

// Why a file a message names cannot go with it; empty when it can.
std::string description_problem(const OwnedAttachment& a) {
  if (a.key.empty() || a.key.size() > kMaxAttachmentKeyBytes) {
    return "each attachment needs a 'key' of 1 to " + std::to_string(kMaxAttachmentKeyBytes) +
           " bytes, as 'upload' gave it";
  }
  if (a.name.empty() || a.name.size() > kMaxAttachmentNameBytes) {
    return "attachment '" + a.key + "' needs a 'name' of 1 to " + std::to_string(kMaxAttachmentNameBytes) + " bytes";
  }
  if (a.type.empty() || a.type.size() > kMaxAttachmentTypeBytes) {
    return "attachment '" + a.key + "' needs a media 'type' of 1 to " + std::to_string(kMaxAttachmentTypeBytes) +
           " bytes";
  }
  if (a.size == 0) return "attachment '" + a.key + "' needs its 'size' in bytes";
  return {};
}

}  // namespace

AttachmentDesk::AttachmentDesk(natter::Attachments* plugin, SessionTable& sessions, Outbox& outbox,
                               runtime::Executor& loop)
    : plugin_(plugin), sessions_(sessions), outbox_(outbox), loop_(loop) {}

bool AttachmentDesk::usable(Session& session, const OwnedCommand& command, const char* what) {
  if (!plugin_) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::unavailable,
                       "this server shares no files: no [attachments] plugin is configured");
    return false;
  }
  if (!session.joined(command.room)) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::not_member,
                       "join room '" + command.room + "' to " + what + " its files");
    return false;
  }
  if (command.attachments.size() != 1) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::bad_request, "name one file");
    return false;
  }
  return true;
}

void AttachmentDesk::upload(Session& session, const OwnedCommand& command) {
  if (!usable(session, command, "share")) return;
  const OwnedAttachment& file = command.attachments.front();
  if (file.name.empty() || file.name.size() > kMaxAttachmentNameBytes || file.type.empty() ||
      file.type.size() > kMaxAttachmentTypeBytes || file.size == 0) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::bad_request,
                       "upload needs a 'name' of 1 to " + std::to_string(kMaxAttachmentNameBytes) +
                           " bytes, a media 'type' of 1 to " + std::to_string(kMaxAttachmentTypeBytes) +
                           " bytes and a 'size' above 0");
    return;
  }
  plugin_->upload({command.room, session.user, file.name, file.type, file.size},
                  answer(session.id(), natter::EventKind::upload, command, file));
}

void AttachmentDesk::download(Session& session, const OwnedCommand& command) {
  if (!usable(session, command, "fetch")) return;
  const std::string& key = command.attachments.front().key;
  if (key.empty() || key.size() > kMaxAttachmentKeyBytes || !plugin_->issued_for(command.room, key)) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::not_found,
                       "room '" + command.room + "' has no file '" + key + "'");
    return;
  }
  plugin_->download(command.room, key,
                    answer(session.id(), natter::EventKind::download, command, command.attachments.front()));
}

natter::PresignDone& AttachmentDesk::answer(std::uint64_t session_id, natter::EventKind kind,
                                            const OwnedCommand& command, OwnedAttachment file) {
  return *new PresignAnswer(loop_, [this, session_id, kind, ref = command.ref, room = command.room,
                                   file = std::move(file)](natter::ErrorCode code, std::string detail,
                                                           Presigned presigned) mutable {
    Session* session = sessions_.find(session_id);
    if (!session) return;
    if (code != natter::ErrorCode::none) {
      outbox_.send_error(*session, ref, code, detail.empty() ? "the attachments plugin refused" : detail);
      return;
    }
    file.key = std::move(presigned.key);
    auto event = EventBuffer::make(kind);
    event->set_ref(ref).set_room(room).set_presigned(presigned.method, presigned.url, presigned.expires_at_ms,
                                                     std::move(presigned.headers), std::move(file));
    outbox_.send(*session, event, room);
  });
}

bool AttachmentDesk::send_admissible(Session& session, const OwnedCommand& command) {
  if (command.attachments.empty()) return true;
  auto refuse = [&](natter::ErrorCode code, std::string why) {
    outbox_.send_error(session, command.ref, code, why);
    return false;
  };
  if (!plugin_) {
    return refuse(natter::ErrorCode::unavailable, "this server shares no files: no [attachments] plugin is configured");
  }
  if (command.attachments.size() > kMaxAttachmentsPerMessage) {
    return refuse(natter::ErrorCode::bad_request,
                  "a message carries at most " + std::to_string(kMaxAttachmentsPerMessage) + " attachments");
  }
  for (const auto& a : command.attachments) {
    if (std::string problem = description_problem(a); !problem.empty()) {
      return refuse(natter::ErrorCode::bad_request, problem);
    }
    if (!plugin_->issued_for(command.room, a.key)) {
      return refuse(natter::ErrorCode::bad_request,
                    "attachment '" + a.key + "' was not uploaded for room '" + command.room + "'");
    }
  }
  return true;
}

}  // namespace natter::chat
