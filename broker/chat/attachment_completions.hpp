#pragma once
// Completion objects of the attachments plugin and of storage's
// MessageExtras (see loop_completions.hpp for the pattern): each copies
// what it was given, hops to the broker loop, runs its continuation there
// and frees itself.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <natter/plugin.hpp>

#include "chat/attachment_list.hpp"
#include "runtime/executor.hpp"

namespace natter::chat {

// An owned natter::PresignedRequest.
struct Presigned {
  std::string method, url, key;
  std::int64_t expires_at_ms = 0;
  std::vector<std::pair<std::string, std::string>> headers;
};

class PresignAnswer final : public natter::PresignDone {
 public:
  using Continuation = std::function<void(natter::ErrorCode, std::string detail, Presigned)>;
  PresignAnswer(runtime::Executor& loop, Continuation next) : loop_(loop), next_(std::move(next)) {}

  void presigned(const natter::PresignedRequest& r) noexcept override {
    try {
      Presigned copy{std::string(r.method), std::string(r.url), std::string(r.key), r.expires_at_ms, {}};
      for (const auto& h : r.headers) copy.headers.emplace_back(h.name, h.value);
      finish(natter::ErrorCode::none, {}, std::move(copy));
    } catch (...) {
      finish(natter::ErrorCode::internal, "out of memory for the presigned URL", {});
    }
  }
  void refused(natter::Status status) noexcept override {
    // A plugin that refuses without a reason still refuses.
    finish(status.ok() ? natter::ErrorCode::unavailable : status.code, status.detail, {});
  }

 private:
  void finish(natter::ErrorCode code, std::string_view detail, Presigned presigned) noexcept {
    try {
      loop_.post([next = std::move(next_), code, detail = std::string(detail),
                  presigned = std::move(presigned)]() mutable { next(code, std::move(detail), std::move(presigned)); });
    } catch (...) {
    }
    delete this;
  }

  runtime::Executor& loop_;
  Continuation next_;
};

// The attachments storage kept with a page's messages: (id, list) of those
// that have any. A failed read, or text that does not decode, hands on
// what it could, so a page still shows its messages.
class ExtrasRead final : public natter::ExtrasFound {
 public:
  using Found = std::vector<std::pair<std::uint64_t, AttachmentList>>;
  using Continuation = std::function<void(Found)>;
  ExtrasRead(runtime::Executor& loop, Continuation next) : loop_(loop), next_(std::move(next)) {}

  void found(natter::Status status, std::span<const std::uint64_t> ids,
             std::span<const std::string_view> extras) noexcept override {
    try {
      Found copy;
      for (std::size_t i = 0; status.ok() && i < ids.size() && i < extras.size(); ++i) {
        if (auto list = decode_attachments(extras[i])) copy.emplace_back(ids[i], std::move(*list));
      }
      loop_.post([next = std::move(next_), copy = std::move(copy)]() mutable { next(std::move(copy)); });
    } catch (...) {
    }
    delete this;
  }

 private:
  runtime::Executor& loop_;
  Continuation next_;
};

}  // namespace natter::chat
