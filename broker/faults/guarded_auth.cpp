#include "faults/guarded_auth.hpp"

#include <random>
#include <string>

namespace natter::faults {

namespace {

class AuthCall final : public GuardedCall, public natter::AuthDone {
 public:
  AuthCall(FaultGuard& guard, natter::AuthDone& done, std::string guest)
      : guard_(guard), done_(done), guest_(std::move(guest)) {}

  void accepted(const natter::Identity& identity) noexcept override {
    if (guard_.answered(*this, false, false) == Verdict::answer) done_.accepted(identity);
    delete this;
  }
  void refused(std::string_view reason) noexcept override {
    if (guard_.answered(*this, false, false) == Verdict::answer) done_.refused(reason);
    delete this;
  }

 private:
  void expire() noexcept override {
    if (guard_.policy().fail_open) {
      natter::Identity guest{guest_};
      guest.may_create_rooms = false;
      done_.accepted(guest);
    } else {
      done_.refused(guard_.refusal());
    }
  }
  void reissue() noexcept override {}

  FaultGuard& guard_;
  natter::AuthDone& done_;
  const std::string guest_;
};

}  // namespace

GuardedAuth::GuardedAuth(natter::Authenticator& plugin, FaultGuard& guard)
    : plugin_(plugin), guard_(guard), next_guest_(std::random_device{}()) {}

void GuardedAuth::authenticate(const natter::ConnectInfo& info, natter::AuthDone& done) noexcept {
  std::string guest;
  if (guard_.policy().fail_open) guest = "guest-" + std::to_string(next_guest_.fetch_add(1));
  auto* call = new AuthCall(guard_, done, std::move(guest));
  guard_.launch(*call, [&] { plugin_.authenticate(info, *call); });
}

}  // namespace natter::faults
