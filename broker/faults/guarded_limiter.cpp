#include "faults/guarded_limiter.hpp"

namespace natter::faults {

namespace {

class AdmitCall final : public GuardedCall, public natter::AdmitDone {
 public:
  AdmitCall(FaultGuard& guard, natter::AdmitDone& done) : guard_(guard), done_(done) {}

  void admitted() noexcept override {
    if (guard_.answered(*this, false, false) == Verdict::answer) done_.admitted();
    delete this;
  }
  void refused(std::uint32_t retry_after_ms) noexcept override {
    if (guard_.answered(*this, false, false) == Verdict::answer) done_.refused(retry_after_ms);
    delete this;
  }

 private:
  void expire() noexcept override {
    if (guard_.policy().fail_open) {
      done_.admitted();
    } else {
      done_.refused(guard_.policy().open_ms);
    }
  }
  void reissue() noexcept override {}

  FaultGuard& guard_;
  natter::AdmitDone& done_;
};

}  // namespace

void GuardedLimiter::admit(const natter::AdmitRequest& request, natter::AdmitDone& done) noexcept {
  auto* call = new AdmitCall(guard_, done);
  guard_.launch(*call, [&] { plugin_.admit(request, *call); });
}

}  // namespace natter::faults
