#pragma once
// Completion objects handed to plugins. A plugin may call them from any
// thread; each copies what it was given, hops to the broker loop, runs the
// continuation there and frees itself. The continuations address sessions
// by id, because a session may have ended by the time a plugin answers.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "chat/grants.hpp"
#include "chat/stored_message.hpp"
#include "runtime/executor.hpp"

namespace natter::chat {

// A storage plugin's runs of completions: each run wakes the loop once.
// Stateless: the hold belongs to the thread that calls begin().
class LoopCompletionRuns final : public natter::CompletionRuns {
 public:
  void begin() noexcept override { runtime::Executor::hold_wakes(); }
  void end() noexcept override { runtime::Executor::release_wakes(); }
};

// One page of history, from Storage::history or, with marks,
// MessageRevisions' reads: either way copied and handed on as StoredMessages.
class PageRead final : public natter::HistoryDone, public natter::MarkedPageDone {
 public:
  using Continuation = std::function<void(natter::ErrorCode, std::string, std::vector<StoredMessage>)>;
  PageRead(runtime::Executor& loop, Continuation next) : loop_(loop), next_(std::move(next)) {}

  void page(natter::Status status, std::span<const natter::MessageView> page) noexcept override {
    hand_over(status, page, {});
  }
  void page(natter::Status status, std::span<const natter::MessageView> page,
            std::span<const natter::MessageMark> marks) noexcept override {
    hand_over(status, page, marks);
  }

 private:
  void hand_over(natter::Status status, std::span<const natter::MessageView> page,
                 std::span<const natter::MessageMark> marks) noexcept {
    try {
      std::vector<StoredMessage> copy;
      copy.reserve(page.size());
      for (std::size_t i = 0; i < page.size(); ++i) {
        copy.push_back(StoredMessage::copy_of(page[i], i < marks.size() ? marks[i] : natter::MessageMark{}));
      }
      loop_.post([next = std::move(next_), code = status.code, detail = std::string(status.detail),
                  copy = std::move(copy)]() mutable { next(code, std::move(detail), std::move(copy)); });
    } catch (...) {
      // Out of memory copying a page; the reader gets no answer.
    }
    delete this;
  }

  runtime::Executor& loop_;
  Continuation next_;
};

// One revision's outcome, on the loop.
class RevisionWrite final : public natter::RevisionDone {
 public:
  using Continuation = std::function<void(natter::ErrorCode, std::string)>;
  RevisionWrite(runtime::Executor& loop, Continuation next) : loop_(loop), next_(std::move(next)) {}

  void revised(natter::Status status) noexcept override {
    try {
      loop_.post([next = std::move(next_), code = status.code, detail = std::string(status.detail)]() mutable {
        next(code, std::move(detail));
      });
    } catch (...) {
    }
    delete this;
  }

 private:
  runtime::Executor& loop_;
  Continuation next_;
};

// Unread counts, on the loop; a failed count hands on an empty list.
class UnreadCount final : public natter::UnreadCounted {
 public:
  using Continuation = std::function<void(std::vector<std::uint32_t>)>;
  UnreadCount(runtime::Executor& loop, Continuation next) : loop_(loop), next_(std::move(next)) {}

  void counted(natter::Status status, std::span<const std::uint32_t> counts) noexcept override {
    try {
      std::vector<std::uint32_t> copy;
      if (status.ok()) copy.assign(counts.begin(), counts.end());
      loop_.post([next = std::move(next_), copy = std::move(copy)]() mutable { next(std::move(copy)); });
    } catch (...) {
    }
    delete this;
  }

 private:
  runtime::Executor& loop_;
  Continuation next_;
};

// One rate limiter's decision, on the loop.
class LoopAdmit final : public natter::AdmitDone {
 public:
  using Continuation = std::function<void(bool admitted, std::uint32_t retry_after_ms)>;
  LoopAdmit(runtime::Executor& loop, Continuation next) : loop_(loop), next_(std::move(next)) {}

  void admitted() noexcept override { finish(true, 0); }
  void refused(std::uint32_t retry_after_ms) noexcept override { finish(false, retry_after_ms); }

 private:
  void finish(bool ok, std::uint32_t retry_after_ms) noexcept {
    try {
      loop_.post([next = std::move(next_), ok, retry_after_ms] { next(ok, retry_after_ms); });
    } catch (...) {
    }
    delete this;
  }

  runtime::Executor& loop_;
  Continuation next_;
};

// What an accepted credential carries besides the user.
struct Credential {
  std::int64_t expires_at_ms = 0;         // 0: never
  std::shared_ptr<const Grants> grants;  // null: limited by nothing
};

class AuthAttempt final : public natter::AuthDone {
 public:
  using Continuation = std::function<void(bool accepted, std::string user_or_reason, Credential credential)>;
  // `auth_minor`: the SDK minor the auth plugin was built against; an
  // Identity from before 1.7 ends before expires_at_ms, one from before
  // 1.8 before the grants.
  AuthAttempt(runtime::Executor& loop, std::uint32_t auth_minor, Continuation next)
      : loop_(loop), auth_minor_(auth_minor), next_(std::move(next)) {}

  void accepted(const natter::Identity& identity) noexcept override {
    Credential credential;
    try {
      credential = {auth_minor_ >= 7 ? identity.expires_at_ms : 0, Grants::of(identity, auth_minor_)};
    } catch (...) {
      finish(false, "out of memory for the credential", {});
      return;
    }
    finish(true, identity.user, std::move(credential));
  }
  void refused(std::string_view reason) noexcept override { finish(false, reason, {}); }

 private:
  void finish(bool ok, std::string_view text, Credential credential) noexcept {
    try {
      loop_.post([next = std::move(next_), ok, text = std::string(text), credential = std::move(credential)]() mutable {
        next(ok, std::move(text), std::move(credential));
      });
    } catch (...) {
    }
    delete this;
  }

  runtime::Executor& loop_;
  std::uint32_t auth_minor_;
  Continuation next_;
};

}  // namespace natter::chat
