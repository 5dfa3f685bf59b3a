#include "chat/shared_event.hpp"

#include <algorithm>

namespace natter::chat {

namespace {

class VectorSink final : public natter::ByteSink {
 public:
  explicit VectorSink(std::vector<std::byte>& out) : out_(out) {}
  void append(std::span<const std::byte> bytes) noexcept override {
    out_.insert(out_.end(), bytes.begin(), bytes.end());
  }

 private:
  std::vector<std::byte>& out_;
};

}  // namespace

EventRef::EventRef(const EventRef& other) : event_(other.event_) {
  if (event_) event_->retain();
}

EventRef& EventRef::operator=(EventRef other) noexcept {
  std::swap(event_, other.event_);
  return *this;
}

EventRef::~EventRef() {
  if (event_) event_->release();
}

EventRef EventBuffer::make(natter::EventKind kind) { return EventRef(new EventBuffer(kind)); }

EventBuffer::EventBuffer(natter::EventKind kind) { event_.kind = kind; }

EventBuffer::~EventBuffer() {
  for (auto& slot : encodings_) delete slot.load(std::memory_order_relaxed);
}

EventBuffer& EventBuffer::set_ref(std::string_view ref) {
  ref_ = ref;
  event_.ref = ref_;
  return *this;
}

EventBuffer& EventBuffer::set_room(std::string_view room) {
  room_ = room;
  event_.room = room_;
  return *this;
}

EventBuffer& EventBuffer::set_user(std::string_view user) {
  user_ = user;
  event_.user = user_;
  return *this;
}

EventBuffer& EventBuffer::set_node(std::uint32_t node_id) {
  event_.node_id = node_id;
  return *this;
}

EventBuffer& EventBuffer::set_message(const natter::MessageView& message, natter::MessageMark mark) {
  message_ = StoredMessage::copy_of(message, mark);
  event_.message = message_.view();
  if (mark.revision) event_.marks = std::span(&message_.mark, 1);
  if (event_.room.empty()) set_room(message_.room);
  return *this;
}

EventBuffer& EventBuffer::set_stored(const StoredMessage& message) {
  set_message(message.view(), message.mark);
  if (!message.attachments.empty()) {
    message_.attachments = message.attachments;
    point_attachments({&message_.attachments});
  }
  return *this;
}

void EventBuffer::point_attachments(const std::vector<const AttachmentList*>& lists) {
  Extras& x = extras();
  x.attachment_views.clear();
  x.attachment_lists.clear();
  for (const AttachmentList* list : lists) x.attachment_views.push_back(views_of(*list));
  for (const auto& views : x.attachment_views) x.attachment_lists.emplace_back(views);
  event_.attachments = x.attachment_lists;
}

EventBuffer& EventBuffer::set_presigned(std::string_view method, std::string_view url, std::int64_t expires_at_ms,
                                        std::vector<std::pair<std::string, std::string>> headers,
                                        OwnedAttachment file) {
  Extras& x = extras();
  x.method = method;
  x.url = url;
  x.headers = std::move(headers);
  x.header_views.clear();
  for (const auto& [name, value] : x.headers) x.header_views.push_back({name, value});
  x.file = {std::move(file)};
  event_.method = x.method;
  event_.url = x.url;
  event_.expires_at_ms = expires_at_ms;
  event_.headers = x.header_views;
  point_attachments({&x.file});
  return *this;
}

EventBuffer& EventBuffer::set_messages(std::vector<StoredMessage> messages, bool more) {
  event_.more = more;
  messages_ = std::move(messages);
  message_views_.clear();
  for (const auto& m : messages_) message_views_.push_back(m.view());
  event_.messages = message_views_;
  const bool marked = std::any_of(messages_.begin(), messages_.end(), [](const auto& m) { return m.mark.revision; });
  if (marked) {
    Extras& x = extras();
    x.marks.clear();
    for (const auto& m : messages_) x.marks.push_back(m.mark);
    event_.marks = x.marks;
  }
  if (std::any_of(messages_.begin(), messages_.end(), [](const auto& m) { return !m.attachments.empty(); })) {
    std::vector<const AttachmentList*> lists;
    for (const auto& m : messages_) lists.push_back(&m.attachments);
    point_attachments(lists);
  }
  return *this;
}

EventBuffer& EventBuffer::set_unread(std::int64_t unread) {
  event_.unread = unread;
  return *this;
}

EventBuffer& EventBuffer::set_recovery(bool recovered, std::uint64_t up_to) {
  event_.recovery = true;
  event_.recovered = recovered;
  event_.recovered_up_to = up_to;
  return *this;
}

EventBuffer& EventBuffer::set_members(std::vector<std::string> members) {
  members_ = std::move(members);
  member_views_.assign(members_.begin(), members_.end());
  event_.members = member_views_;
  return *this;
}

EventBuffer& EventBuffer::set_ttl_ms(std::uint32_t ttl_ms) {
  event_.ttl_ms = ttl_ms;
  return *this;
}

EventBuffer::Extras& EventBuffer::extras() {
  if (!extras_) extras_ = std::make_unique<Extras>();
  return *extras_;
}

EventBuffer& EventBuffer::set_by(std::string_view by) {
  extras().by = by;
  event_.by = extras_->by;
  return *this;
}

EventBuffer& EventBuffer::set_trace_id(std::string trace_id) {
  extras().trace_id = std::move(trace_id);
  event_.trace_id = extras_->trace_id;
  return *this;
}

EventBuffer& EventBuffer::set_room_kind(std::string_view kind) {
  extras().room_kind = kind;
  event_.room_kind = extras_->room_kind;
  return *this;
}

EventBuffer& EventBuffer::set_rooms(std::vector<RoomSummary> rooms, bool more) {
  Extras& x = extras();
  x.rooms = std::move(rooms);
  x.room_views.clear();
  for (const auto& r : x.rooms) x.room_views.push_back({r.room, r.kind, r.members, r.member, r.invited, r.unread});
  event_.rooms = x.room_views;
  event_.more = more;
  return *this;
}

EventBuffer& EventBuffer::set_member_list(std::vector<MemberSummary> members) {
  Extras& x = extras();
  x.members = std::move(members);
  x.member_views.clear();
  for (const auto& m : x.members) x.member_views.push_back({m.user, m.role, m.online, m.last_seen_ms});
  event_.member_list = x.member_views;
  return *this;
}

EventBuffer& EventBuffer::set_error(natter::ErrorCode code, std::string_view message,
                                    std::uint32_t retry_after_ms) {
  error_message_ = message;
  event_.error = code;
  event_.error_message = error_message_;
  event_.retry_after_ms = retry_after_ms;
  return *this;
}

std::span<const std::byte> EventBuffer::encoded(const natter::EventEncoder& encoder) const noexcept {
  for (const auto& slot : encodings_) {
    const Encoding* e = slot.load(std::memory_order_acquire);
    if (!e) break;
    if (e->encoder == &encoder) return e->bytes;
  }
  std::lock_guard lock(encode_mutex_);
  for (const auto& slot : encodings_) {
    const Encoding* e = slot.load(std::memory_order_relaxed);
    if (e && e->encoder == &encoder) return e->bytes;
  }
  for (const auto& e : overflow_) {
    if (e->encoder == &encoder) return e->bytes;
  }
  try {
    auto encoding = std::make_unique<Encoding>(Encoding{&encoder, {}});
    VectorSink sink(encoding->bytes);
    encoder.encode(event_, sink);
    for (auto& slot : encodings_) {
      if (!slot.load(std::memory_order_relaxed)) {
        slot.store(encoding.get(), std::memory_order_release);
        return encoding.release()->bytes;
      }
    }
    overflow_.push_back(std::move(encoding));
    return overflow_.back()->bytes;
  } catch (...) {
    return {};  // out of memory: the recipient gets nothing rather than a crash
  }
}

void EventBuffer::retain() const noexcept { references_.fetch_add(1, std::memory_order_relaxed); }

void EventBuffer::release() const noexcept {
  if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

}  // namespace natter::chat
