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
