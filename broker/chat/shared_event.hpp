#pragma once
// The broker's SharedEvent: one event, built on the broker loop, then
// shared read-only by every recipient on any thread. It owns the bytes its
// views point to and caches one encoding per wire format.

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <utility>
#include <string>
#include <vector>

#include <natter/transport.hpp>

#include "chat/stored_message.hpp"

namespace natter::chat {

class EventBuffer;

// Owned forms of the SDK's RoomEntry and MemberEntry, for building events.
struct RoomSummary {
  std::string room, kind;
  std::uint32_t members = 0;
  bool member = false, invited = false;
  std::int64_t unread = -1;  // -1: not known
};
struct MemberSummary {
  std::string user, role;
  bool online = false;
  std::int64_t last_seen_ms = 0;
};

// Owning handle to an EventBuffer (intrusive count). Any thread.
class EventRef {
 public:
  EventRef() = default;
  explicit EventRef(EventBuffer* adopted) : event_(adopted) {}
  EventRef(const EventRef& other);
  EventRef(EventRef&& other) noexcept : event_(std::exchange(other.event_, nullptr)) {}
  EventRef& operator=(EventRef other) noexcept;
  ~EventRef();

  EventBuffer* operator->() const noexcept { return event_; }
  EventBuffer& operator*() const noexcept { return *event_; }

 private:
  EventBuffer* event_ = nullptr;
};

class EventBuffer final : public natter::SharedEvent {
 public:
  static EventRef make(natter::EventKind kind);

  // Builders: loop thread, before the event is shared.
  EventBuffer& set_ref(std::string_view ref);
  EventBuffer& set_room(std::string_view room);
  EventBuffer& set_user(std::string_view user);
  EventBuffer& set_node(std::uint32_t node_id);
  // `mark`: what became of it since, if anything.
  EventBuffer& set_message(const natter::MessageView& message, natter::MessageMark mark = {});
  // The whole message: its mark and its attachments too.
  EventBuffer& set_stored(const StoredMessage& message);
  // A history page, oldest first, with each message's mark; `more`:
  // messages exist beyond it.
  EventBuffer& set_messages(std::vector<StoredMessage> messages, bool more = false);
  EventBuffer& set_unread(std::int64_t unread);
  // A join with since: whether all it missed follows, or only up to `up_to`.
  EventBuffer& set_recovery(bool recovered, std::uint64_t up_to);
  EventBuffer& set_members(std::vector<std::string> members);
  EventBuffer& set_ttl_ms(std::uint32_t ttl_ms);
  EventBuffer& set_by(std::string_view by);
  EventBuffer& set_room_kind(std::string_view kind);
  EventBuffer& set_trace_id(std::string trace_id);
  // upload, download: the presigned request, about `file`.
  EventBuffer& set_presigned(std::string_view method, std::string_view url, std::int64_t expires_at_ms,
                             std::vector<std::pair<std::string, std::string>> headers, OwnedAttachment file);
  EventBuffer& set_rooms(std::vector<RoomSummary> rooms, bool more);
  EventBuffer& set_member_list(std::vector<MemberSummary> members);
  EventBuffer& set_error(natter::ErrorCode code, std::string_view message,
                         std::uint32_t retry_after_ms = 0);

  const natter::Event& event() const noexcept override { return event_; }
  std::span<const std::byte> encoded(const natter::EventEncoder& encoder) const noexcept override;
  void retain() const noexcept override;
  void release() const noexcept override;

 private:
  explicit EventBuffer(natter::EventKind kind);
  ~EventBuffer();

  struct Encoding {
    const natter::EventEncoder* encoder;
    std::vector<std::byte> bytes;
  };

  natter::Event event_;
  std::string ref_, room_, user_, error_message_;
  StoredMessage message_;
  std::vector<StoredMessage> messages_;
  std::vector<natter::MessageView> message_views_;
  std::vector<std::string> members_;
  std::vector<std::string_view> member_views_;
  // What only room management events carry, kept apart so the events every
  // message makes stay small.
  struct Extras {
    std::string by, room_kind, trace_id;
    std::vector<RoomSummary> rooms;
    std::vector<natter::RoomEntry> room_views;
    std::vector<MemberSummary> members;
    std::vector<natter::MemberEntry> member_views;
    std::vector<natter::MessageMark> marks;  // a history page's
    // Attachments: one list per message (or the one file of upload and
    // download), and the views the event's spans point to.
    AttachmentList file;
    std::vector<std::vector<natter::Attachment>> attachment_views;
    std::vector<std::span<const natter::Attachment>> attachment_lists;
    std::string method, url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<natter::HttpHeader> header_views;
  };
  // Points the event's attachments at `lists` (one per message).
  void point_attachments(const std::vector<const AttachmentList*>& lists);
  Extras& extras();
  std::unique_ptr<Extras> extras_;

  mutable std::atomic<std::uint32_t> references_{1};
  // Lock-free lookup for the common case of a few wire formats; encoding
  // itself happens once, under the mutex.
  mutable std::array<std::atomic<Encoding*>, 4> encodings_{};
  mutable std::vector<std::unique_ptr<Encoding>> overflow_;
  mutable std::mutex encode_mutex_;
};

}  // namespace natter::chat
