#include "faults/guarded_hook.hpp"

namespace natter::faults {

namespace {

class NoticeCall final : public GuardedCall, public natter::NoticeTaken {
 public:
  explicit NoticeCall(FaultGuard& guard) : guard_(guard) {}

  void taken(natter::Status status) noexcept override {
    guard_.answered(*this, FaultGuard::failure(status.code), false);
    delete this;
  }

 private:
  // Nobody waits on a notice: the guard has counted it late.
  void expire() noexcept override {}
  void reissue() noexcept override {}

  FaultGuard& guard_;
};

}  // namespace

void GuardedHook::offline(const natter::OfflineNotice& notice) noexcept {
  if (!confirmed_) {
    plugin_.offline(notice);
    guard_.succeeded();
    return;
  }
  auto* call = new NoticeCall(guard_);
  guard_.launch(*call, [&] { confirmed_->offline(notice, *call); });
}

}  // namespace natter::faults
