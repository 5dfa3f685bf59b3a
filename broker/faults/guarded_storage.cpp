#include "faults/guarded_storage.hpp"

#include <string>
#include <vector>

namespace natter::faults {

namespace {

using natter::ErrorCode;
using natter::Status;

// A write: one Status answer, never asked twice, never answered for the
// plugin at its deadline (see GuardedCall).
class WriteCall : public GuardedCall {
 protected:
  explicit WriteCall(FaultGuard& guard) : GuardedCall(false), guard_(guard) {}
  virtual void pass_on(Status status) noexcept = 0;

  void settle(Status status) noexcept {
    if (guard_.answered(*this, FaultGuard::failure(status.code), false) == Verdict::answer) pass_on(status);
    delete this;
  }
  // Only while the breaker is open: refused before the plugin saw it.
  void expire() noexcept override { pass_on({ErrorCode::unavailable, guard_.refusal()}); }
  void reissue() noexcept override {}

  FaultGuard& guard_;
};

class AppendCall final : public WriteCall, public natter::AppendDone {
 public:
  AppendCall(FaultGuard& guard, natter::AppendDone& done) : WriteCall(guard), done_(done) {}
  void appended(Status status) noexcept override { settle(status); }

 private:
  void pass_on(Status status) noexcept override { done_.appended(status); }
  natter::AppendDone& done_;
};

class StateCall final : public WriteCall, public natter::StateWritten {
 public:
  StateCall(FaultGuard& guard, natter::StateWritten& done) : WriteCall(guard), done_(done) {}
  void written(Status status) noexcept override { settle(status); }

 private:
  void pass_on(Status status) noexcept override { done_.written(status); }
  natter::StateWritten& done_;
};

class RevisionCall final : public WriteCall, public natter::RevisionDone {
 public:
  RevisionCall(FaultGuard& guard, natter::RevisionDone& done) : WriteCall(guard), done_(done) {}
  void revised(Status status) noexcept override { settle(status); }

 private:
  void pass_on(Status status) noexcept override { done_.revised(status); }
  natter::RevisionDone& done_;
};

// One page read, copied so that it can be asked again.
class PageCall final : public GuardedCall, public natter::HistoryDone, public natter::MarkedPageDone {
 public:
  enum class Read { history, marked, revised_since };

  PageCall(FaultGuard& guard, const GuardedStorage::Parts& plugin, Read read, std::string_view room)
      : guard_(guard), plugin_(plugin), read_(read), room_(room) {}

  // Exactly one of these is set before launch.
  natter::HistoryDone* history_done = nullptr;
  natter::MarkedPageDone* marked_done = nullptr;
  natter::HistoryQuery query;  // history, marked: its room is re-pointed at room_
  std::uint64_t up_to = 0;     // revised_since
  std::uint32_t limit = 0;     // revised_since

  void ask() noexcept {
    query.room = room_;
    switch (read_) {
      case Read::history: plugin_.storage.history(query, *this); break;
      case Read::marked: plugin_.revisions->marked_history(query, *this); break;
      case Read::revised_since: plugin_.revisions->revised_since(room_, up_to, limit, *this); break;
    }
  }

  void page(Status status, std::span<const natter::MessageView> page) noexcept override {
    settle(status, page, {});
  }
  void page(Status status, std::span<const natter::MessageView> page,
            std::span<const natter::MessageMark> marks) noexcept override {
    settle(status, page, marks);
  }

 private:
  void settle(Status status, std::span<const natter::MessageView> page,
              std::span<const natter::MessageMark> marks) noexcept {
    const bool failed = FaultGuard::failure(status.code);
    const Verdict verdict = guard_.answered(*this, failed, true);
    if (verdict == Verdict::retry) return;
    if (verdict == Verdict::answer && failed && guard_.policy().fail_open) {
      expire();  // failing open: the empty page
    } else if (verdict == Verdict::answer) {
      pass_on(status, page, marks);
    }
    delete this;
  }
  void pass_on(Status status, std::span<const natter::MessageView> page,
               std::span<const natter::MessageMark> marks) noexcept {
    if (history_done) {
      history_done->page(status, page);
    } else {
      marked_done->page(status, page, marks);
    }
  }
  // Failing open, an empty page: the broker merges it with the messages it
  // holds in memory, which is then all the reader gets.
  void expire() noexcept override {
    pass_on(guard_.policy().fail_open ? Status{} : Status{ErrorCode::unavailable, guard_.refusal()}, {}, {});
  }
  void reissue() noexcept override { ask(); }

  FaultGuard& guard_;
  const GuardedStorage::Parts& plugin_;
  const Read read_;
  const std::string room_;
};

class CountCall final : public GuardedCall, public natter::UnreadCounted {
 public:
  CountCall(FaultGuard& guard, natter::UnreadCounts& plugin, std::span<const natter::UnreadQuery> queries,
            natter::UnreadCounted& done)
      : guard_(guard), plugin_(plugin), done_(done) {
    for (const auto& q : queries) {
      texts_.emplace_back(q.room);
      texts_.emplace_back(q.reader);
    }
    for (std::size_t i = 0; i < queries.size(); ++i) {
      queries_.push_back({texts_[2 * i], queries[i].after_id, texts_[2 * i + 1], queries[i].cap});
    }
  }

  void ask() noexcept { plugin_.count(queries_, *this); }

  void counted(Status status, std::span<const std::uint32_t> counts) noexcept override {
    const Verdict verdict = guard_.answered(*this, FaultGuard::failure(status.code), true);
    if (verdict == Verdict::retry) return;
    if (verdict == Verdict::answer) done_.counted(status, counts);
    delete this;
  }

 private:
  // Open or closed alike: the lists go out without unread counts.
  void expire() noexcept override { done_.counted({ErrorCode::unavailable, guard_.refusal()}, {}); }
  void reissue() noexcept override { ask(); }

  FaultGuard& guard_;
  natter::UnreadCounts& plugin_;
  natter::UnreadCounted& done_;
  std::vector<std::string> texts_;  // room, reader, room, reader...
  std::vector<natter::UnreadQuery> queries_;
};

class ExtrasCall final : public GuardedCall, public natter::ExtrasFound {
 public:
  ExtrasCall(FaultGuard& guard, natter::MessageExtras& plugin, std::string_view room,
             std::span<const std::uint64_t> ids, natter::ExtrasFound& done)
      : guard_(guard), plugin_(plugin), done_(done), room_(room), ids_(ids.begin(), ids.end()) {}

  void ask() noexcept { plugin_.extras_of(room_, ids_, *this); }

  void found(Status status, std::span<const std::uint64_t> ids,
             std::span<const std::string_view> extras) noexcept override {
    const bool failed = FaultGuard::failure(status.code);
    const Verdict verdict = guard_.answered(*this, failed, true);
    if (verdict == Verdict::retry) return;
    if (verdict == Verdict::answer && failed && guard_.policy().fail_open) {
      expire();  // failing open: no extras
    } else if (verdict == Verdict::answer) {
      done_.found(status, ids, extras);
    }
    delete this;
  }

 private:
  // Failing open, no extras: the messages go out without their files.
  void expire() noexcept override {
    done_.found(guard_.policy().fail_open ? Status{} : Status{ErrorCode::unavailable, guard_.refusal()}, {}, {});
  }
  void reissue() noexcept override { ask(); }

  FaultGuard& guard_;
  natter::MessageExtras& plugin_;
  natter::ExtrasFound& done_;
  const std::string room_;
  const std::vector<std::uint64_t> ids_;
};

}  // namespace

void GuardedStorage::append(const natter::MessageView& message, natter::AppendDone& done) noexcept {
  auto* call = new AppendCall(guard_, done);
  guard_.launch(*call, [&] { plugin_.storage.append(message, *call); });
}

void GuardedStorage::append_with_ref(const natter::MessageView& message, std::string_view ref,
                                     natter::AppendDone& done) noexcept {
  auto* call = new AppendCall(guard_, done);
  guard_.launch(*call, [&] { plugin_.refs->append_with_ref(message, ref, *call); });
}

void GuardedStorage::append_with_extras(const natter::MessageView& message, std::string_view ref,
                                        std::string_view extras, natter::AppendDone& done) noexcept {
  auto* call = new AppendCall(guard_, done);
  guard_.launch(*call, [&] { plugin_.extras->append_with_extras(message, ref, extras, *call); });
}

void GuardedStorage::write(std::span<const natter::StateChange> changes, natter::StateWritten& done) noexcept {
  auto* call = new StateCall(guard_, done);
  guard_.launch(*call, [&] { plugin_.room_state->write(changes, *call); });
}

void GuardedStorage::revise(const natter::Revision& revision, natter::RevisionDone& done) noexcept {
  auto* call = new RevisionCall(guard_, done);
  guard_.launch(*call, [&] { plugin_.revisions->revise(revision, *call); });
}

void GuardedStorage::history(const natter::HistoryQuery& query, natter::HistoryDone& done) noexcept {
  auto* call = new PageCall(guard_, plugin_, PageCall::Read::history, query.room);
  call->history_done = &done;
  call->query = query;
  guard_.launch(*call, [call] { call->ask(); });
}

void GuardedStorage::marked_history(const natter::HistoryQuery& query, natter::MarkedPageDone& done) noexcept {
  auto* call = new PageCall(guard_, plugin_, PageCall::Read::marked, query.room);
  call->marked_done = &done;
  call->query = query;
  guard_.launch(*call, [call] { call->ask(); });
}

void GuardedStorage::revised_since(std::string_view room, std::uint64_t up_to, std::uint32_t limit,
                                   natter::MarkedPageDone& done) noexcept {
  auto* call = new PageCall(guard_, plugin_, PageCall::Read::revised_since, room);
  call->marked_done = &done;
  call->up_to = up_to;
  call->limit = limit;
  guard_.launch(*call, [call] { call->ask(); });
}

void GuardedStorage::count(std::span<const natter::UnreadQuery> queries, natter::UnreadCounted& done) noexcept {
  auto* call = new CountCall(guard_, *plugin_.unread, queries, done);
  guard_.launch(*call, [call] { call->ask(); });
}

void GuardedStorage::extras_of(std::string_view room, std::span<const std::uint64_t> ids,
                               natter::ExtrasFound& done) noexcept {
  auto* call = new ExtrasCall(guard_, *plugin_.extras, room, ids, done);
  guard_.launch(*call, [call] { call->ask(); });
}

}  // namespace natter::faults
