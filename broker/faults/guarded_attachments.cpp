#include "faults/guarded_attachments.hpp"

#include <string>

namespace natter::faults {

namespace {

// One upload or download URL, copied so that it can be asked again.
class PresignCall final : public GuardedCall, public natter::PresignDone {
 public:
  PresignCall(FaultGuard& guard, natter::Attachments& plugin, natter::PresignDone& done, bool upload,
              const natter::UploadRequest& request, std::string_view key)
      : guard_(guard),
        plugin_(plugin),
        done_(done),
        upload_(upload),
        room_(request.room),
        user_(request.user),
        name_(request.name),
        type_(request.type),
        size_(request.size),
        key_(key) {}

  void ask() noexcept {
    if (upload_) {
      plugin_.upload({room_, user_, name_, type_, size_}, *this);
    } else {
      plugin_.download(room_, key_, *this);
    }
  }

  void presigned(const natter::PresignedRequest& request) noexcept override {
    if (guard_.answered(*this, false, true) == Verdict::answer) done_.presigned(request);
    delete this;
  }
  void refused(natter::Status status) noexcept override {
    const Verdict verdict = guard_.answered(*this, FaultGuard::failure(status.code), true);
    if (verdict == Verdict::retry) return;
    if (verdict == Verdict::answer) done_.refused(status);
    delete this;
  }

 private:
  void expire() noexcept override { done_.refused({natter::ErrorCode::unavailable, guard_.refusal()}); }
  void reissue() noexcept override { ask(); }

  FaultGuard& guard_;
  natter::Attachments& plugin_;
  natter::PresignDone& done_;
  const bool upload_;
  const std::string room_, user_, name_, type_;
  const std::uint64_t size_;
  const std::string key_;
};

}  // namespace

void GuardedAttachments::upload(const natter::UploadRequest& request, natter::PresignDone& done) noexcept {
  auto* call = new PresignCall(guard_, plugin_, done, true, request, {});
  guard_.launch(*call, [call] { call->ask(); });
}

void GuardedAttachments::download(std::string_view room, std::string_view key, natter::PresignDone& done) noexcept {
  natter::UploadRequest where;
  where.room = room;
  auto* call = new PresignCall(guard_, plugin_, done, false, where, key);
  guard_.launch(*call, [call] { call->ask(); });
}

}  // namespace natter::faults
