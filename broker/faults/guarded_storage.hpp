#pragma once
// The storage plugin as the broker's services see it: every call it
// answers later goes through the plugin's FaultGuard. Writes (appends, room
// state, revisions) are never retried and never fail open: while the
// breaker is open they are refused `unavailable` before the plugin sees
// them, and one past its deadline counts against the breaker but waits for
// the plugin's answer, since storage may still commit it. Reads (pages,
// counts, extras) are retried, answered at the deadline, and with fail_open
// a read the plugin cannot answer comes back empty, so the broker answers
// from what it holds in memory. Calls made at start (load, load_refs) go
// straight through.
//
// Ownership: borrows the plugin and the guard, which outlive it. Any
// thread, as the SDK interfaces it implements say.

#include <natter/storage.hpp>

#include "faults/fault_guard.hpp"

namespace natter::faults {

class GuardedStorage final : public natter::Storage,
                             public natter::RoomState,
                             public natter::MessageRevisions,
                             public natter::UnreadCounts,
                             public natter::SentRefs,
                             public natter::MessageExtras {
 public:
  // The optional interfaces are the plugin's, or nullptr when it has none.
  struct Parts {
    natter::Storage& storage;
    natter::RoomState* room_state;
    natter::MessageRevisions* revisions;
    natter::UnreadCounts* unread;
    natter::SentRefs* refs;
    natter::MessageExtras* extras;
  };
  GuardedStorage(Parts plugin, FaultGuard& guard) : plugin_(plugin), guard_(guard) {}

  // This object as each optional interface, where the plugin has it.
  natter::RoomState* room_state() { return plugin_.room_state ? this : nullptr; }
  natter::MessageRevisions* revisions() { return plugin_.revisions ? this : nullptr; }
  natter::UnreadCounts* unread() { return plugin_.unread ? this : nullptr; }
  natter::SentRefs* refs() { return plugin_.refs ? this : nullptr; }
  natter::MessageExtras* extras() { return plugin_.extras ? this : nullptr; }

  bool start(natter::Diagnostic& error) noexcept override { return plugin_.storage.start(error); }
  void stop() noexcept override { plugin_.storage.stop(); }
  void append(const natter::MessageView& message, natter::AppendDone& done) noexcept override;
  void history(const natter::HistoryQuery& query, natter::HistoryDone& done) noexcept override;

  bool load(natter::StateVisitor& each, natter::Diagnostic& error) noexcept override {
    return plugin_.room_state->load(each, error);
  }
  void write(std::span<const natter::StateChange> changes, natter::StateWritten& done) noexcept override;

  void revise(const natter::Revision& revision, natter::RevisionDone& done) noexcept override;
  void marked_history(const natter::HistoryQuery& query, natter::MarkedPageDone& done) noexcept override;
  void revised_since(std::string_view room, std::uint64_t up_to, std::uint32_t limit,
                     natter::MarkedPageDone& done) noexcept override;

  void count(std::span<const natter::UnreadQuery> queries, natter::UnreadCounted& done) noexcept override;

  void append_with_ref(const natter::MessageView& message, std::string_view ref,
                       natter::AppendDone& done) noexcept override;
  bool load_refs(std::uint32_t limit, natter::RefVisitor& each, natter::Diagnostic& error) noexcept override {
    return plugin_.refs->load_refs(limit, each, error);
  }

  void append_with_extras(const natter::MessageView& message, std::string_view ref, std::string_view extras,
                          natter::AppendDone& done) noexcept override;
  void extras_of(std::string_view room, std::span<const std::uint64_t> ids,
                 natter::ExtrasFound& done) noexcept override;

 private:
  Parts plugin_;
  FaultGuard& guard_;
};

}  // namespace natter::faults
