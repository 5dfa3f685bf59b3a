#pragma once
// Storage keeps message history. Writes are queued and committed in
// batches on the plugin's own thread(s); the broker never waits on disk.

#include <cstdint>
#include <span>

#include "natter/abi.hpp"
#include "natter/values.hpp"

namespace natter {

// Broker-owned completion of one append. The plugin calls appended()
// exactly once, from any thread (inline too), and must not touch the object
// afterwards. ok() means committed durably; `unavailable` means the plugin
// could not take or keep the message (queue full, stopped).
class AppendDone {
 public:
  virtual void appended(Status status) noexcept = 0;

 protected:
  ~AppendDone() = default;
};

// A page request. Ids bound the page exclusively; 0 means unbounded.
// With after_id set the page is the oldest `limit` messages after it
// (recovery); otherwise the newest `limit` before before_id (scrollback).
struct HistoryQuery {
  std::string_view room;
  std::uint64_t before_id = 0;
  std::uint64_t after_id = 0;
  std::uint32_t limit = 50;
};

// Broker-owned completion of one history read; called exactly once, from
// any thread. `page` is oldest first and valid only during the call.
class HistoryDone {
 public:
  virtual void page(Status status, std::span<const MessageView> page) noexcept = 0;

 protected:
  ~HistoryDone() = default;
};

// ABI 1.3, broker-owned: brackets a run of completions that one plugin
// thread makes together, such as a commit's appended() calls. From begin()
// to end() on a thread, the completions that thread makes are handed over
// in call order without waking the broker, and end() wakes it once,
// instead of once per completion. Runs nest. Call end() before the thread
// waits or blocks: until then the broker may not see what it completed.
// Any thread; the object outlives the instance it was handed to.
class CompletionRuns {
 public:
  virtual void begin() noexcept = 0;
  virtual void end() noexcept = 0;

 protected:
  ~CompletionRuns() = default;
};

// ABI 1.3, optional: a storage plugin that also derives from
// BatchesCompletions is handed the broker's CompletionRuns once, on the
// main thread, before start().
class BatchesCompletions {
 public:
  static constexpr const char* kInterface = "natter.batches_completions.1";
  virtual void use(CompletionRuns& runs) noexcept = 0;

 protected:
  ~BatchesCompletions() = default;
};

// ABI 1.5: what a room is beyond its messages (its kind, owner, members,
// invitations...) as entries of text: (room, key) -> value, the way Matrix
// keeps room state as (type, state_key) -> content. The broker decides what
// keys and values mean; storage keeps them and hands them back, so a new
// kind of room state needs no new storage interface.
enum class StateOp : std::uint32_t {
  put = 1,         // set (room, key) to value
  erase = 2,       // forget (room, key)
  erase_room = 3,  // forget every entry of the room and every message stored in it
};

struct StateChange {
  StateOp op = StateOp::put;
  std::string_view room;
  std::string_view key;    // put, erase
  std::string_view value;  // put
};

struct StateEntry {
  std::string_view room, key, value;
};

// Broker-owned completion of one state write; called exactly once, from any
// thread (inline too). ok() means committed durably.
class StateWritten {
 public:
  virtual void written(Status status) noexcept = 0;

 protected:
  ~StateWritten() = default;
};

// Broker-owned; receives loaded entries on the thread that called load().
class StateVisitor {
 public:
  virtual void entry(const StateEntry& entry) noexcept = 0;

 protected:
  ~StateVisitor() = default;
};

// ABI 1.5, optional: a storage plugin that also derives from RoomState
// keeps room state, so rooms survive a restart. Without it the broker keeps
// room state in memory only, and says so at start.
class RoomState {
 public:
  static constexpr const char* kInterface = "natter.room_state.1";
  // Hands every stored entry to `each`, once, then returns: true, or false
  // after reporting why to `error`. Main thread, after start(), before the
  // first write().
  virtual bool load(StateVisitor& each, Diagnostic& error) noexcept = 0;
  // Applies `changes`, which all name the same room, in order, atomically
  // and durably, after everything queued for that room before (appends
  // included, so erase_room removes them), then calls done.written().
  // Copies `changes`. Any thread.
  virtual void write(std::span<const StateChange> changes, StateWritten& done) noexcept = 0;

 protected:
  ~RoomState() = default;
};

// ABI 1.6: one edit or deletion of a stored message.
struct Revision {
  std::string_view room;
  std::uint64_t id = 0;       // the message
  std::string_view author;    // must be the message's sender; empty: anyone's (a moderator deletes)
  std::string_view body;      // the new body; empty when mark.deleted
  MessageMark mark;           // mark.revision is newer than any earlier revision of the message
};

// Broker-owned completion of one revision; called exactly once, from any
// thread (inline too). ok(): applied durably. not_found: the room holds no
// such message, or it was deleted. forbidden: `author` did not send it.
// unavailable: not applied now, may be retried.
class RevisionDone {
 public:
  virtual void revised(Status status) noexcept = 0;

 protected:
  ~RevisionDone() = default;
};

// Broker-owned completion of one read of marked messages; called exactly
// once, from any thread. `marks` has one entry per message of `page`, in
// the same order; both are valid only during the call.
class MarkedPageDone {
 public:
  virtual void page(Status status, std::span<const MessageView> page,
                    std::span<const MessageMark> marks) noexcept = 0;

 protected:
  ~MarkedPageDone() = default;
};

// ABI 1.6, optional: a storage plugin that also derives from
// MessageRevisions lets authors edit and delete what they sent. A deletion
// erases the body for good and leaves a tombstone; an edit replaces the
// body; neither keeps the old text. Without it `edit` and `delete` answer
// `unavailable`.
class MessageRevisions {
 public:
  static constexpr const char* kInterface = "natter.message_revisions.1";
  // Applies `revision` durably, after everything queued for its room before
  // (so a message appended a moment ago can be revised), then calls
  // done.revised(). Copies `revision`. Any thread.
  virtual void revise(const Revision& revision, RevisionDone& done) noexcept = 0;
  // Storage::history, with each message's mark; a deleted message comes
  // back with an empty body. Any thread.
  virtual void marked_history(const HistoryQuery& query, MarkedPageDone& done) noexcept = 0;
  // What a client that saw `room` up to message `up_to` has not seen
  // change: the messages with id <= up_to whose revision > up_to, in the
  // order of their revisions, at most `limit`. Any thread.
  virtual void revised_since(std::string_view room, std::uint64_t up_to, std::uint32_t limit,
                             MarkedPageDone& done) noexcept = 0;

 protected:
  ~MessageRevisions() = default;
};

// ABI 1.6: one unread count to make.
struct UnreadQuery {
  std::string_view room;
  std::uint64_t after_id = 0;  // the reader's read marker; 0: none, every message counts
  std::string_view reader;     // the reader's own messages do not count
  std::uint32_t cap = 0;       // count no further than this
};

// Broker-owned completion of one count; called exactly once, from any
// thread. `counts` has one entry per query, in order, valid only during
// the call.
class UnreadCounted {
 public:
  virtual void counted(Status status, std::span<const std::uint32_t> counts) noexcept = 0;

 protected:
  ~UnreadCounted() = default;
};

// ABI 1.6, optional: a storage plugin that also derives from UnreadCounts
// tells how many messages a user has not read, for `joined` and
// `list_rooms`. Without it they carry no unread count.
class UnreadCounts {
 public:
  static constexpr const char* kInterface = "natter.unread_counts.1";
  // For each query: how many messages of its room with an id above
  // after_id, not sent by the reader and not deleted, up to its cap. Sees
  // every append that has completed ok. Copies `queries`. Any thread.
  virtual void count(std::span<const UnreadQuery> queries, UnreadCounted& done) noexcept = 0;

 protected:
  ~UnreadCounts() = default;
};

// ABI 1.6: the ref a client sent a message with, as storage kept it.
struct StoredRef {
  std::string_view sender, ref, room;
  std::uint64_t id = 0;
  std::int64_t ts_ms = 0;
};

// Broker-owned; receives loaded refs on the thread that called load_refs().
class RefVisitor {
 public:
  virtual void stored(const StoredRef& ref) noexcept = 0;

 protected:
  ~RefVisitor() = default;
};

// ABI 1.6, optional: a storage plugin that also derives from SentRefs keeps
// each message's ref (the client's correlation id), so that a send retried
// after natterd restarted, crashed or moved is answered with its first id
// instead of being stored twice.
class SentRefs {
 public:
  static constexpr const char* kInterface = "natter.sent_refs.1";
  // Storage::append, keeping `ref` with the message. Copies both. Any thread.
  virtual void append_with_ref(const MessageView& message, std::string_view ref, AppendDone& done) noexcept = 0;
  // Hands the newest `limit` stored messages that came with a ref to
  // `each`, newest first, then returns: true, or false after reporting why
  // to `error`. Main thread, after start(), before the first append.
  virtual bool load_refs(std::uint32_t limit, RefVisitor& each, Diagnostic& error) noexcept = 0;

 protected:
  ~SentRefs() = default;
};

// Broker-owned completion of one extras_of(); called exactly once, from any
// thread. `ids` and `extras` are parallel: one entry per asked message that
// has extras, in no particular order; valid only during the call.
class ExtrasFound {
 public:
  virtual void found(Status status, std::span<const std::uint64_t> ids,
                     std::span<const std::string_view> extras) noexcept = 0;

 protected:
  ~ExtrasFound() = default;
};

// ABI 1.11, optional: a storage plugin that also derives from MessageExtras
// keeps with a message a short text the broker defines (its attachments,
// as JSON) and hands it back by id. Like room state, the text means
// nothing to storage. A deletion (MessageRevisions) forgets it with the
// body; erase_room forgets it with the room. Without it, messages keep
// their attachments only while natterd holds them in memory.
class MessageExtras {
 public:
  static constexpr const char* kInterface = "natter.message_extras.1";
  // Storage::append (or SentRefs::append_with_ref, when `ref` is not empty),
  // keeping `extras` with the message in the same commit. Copies all.
  // Any thread.
  virtual void append_with_extras(const MessageView& message, std::string_view ref, std::string_view extras,
                                  AppendDone& done) noexcept = 0;
  // The extras of those of `ids` (messages of `room`) that have some. Sees
  // every append that has completed ok. Copies `ids`. Any thread.
  virtual void extras_of(std::string_view room, std::span<const std::uint64_t> ids, ExtrasFound& done) noexcept = 0;

 protected:
  ~MessageExtras() = default;
};

class Storage : public Plugin {
 public:
  // Open, create or migrate the schema. Main thread.
  virtual bool start(Diagnostic& error) noexcept = 0;
  // Queue `message` for the next batch. Appending an id that is already
  // stored is harmless and completes ok. Copies `message`. Any thread.
  virtual void append(const MessageView& message, AppendDone& done) noexcept = 0;
  // Read one page. Sees every append that has completed ok. Any thread.
  virtual void history(const HistoryQuery& query, HistoryDone& done) noexcept = 0;
  // Plugin::stop(): commit everything queued, complete every pending
  // callback, then return.
};

}  // namespace natter
