// The other guarded views, against plugins that never answer or fail: a
// rate limiter fails open (admitted) or closed (rate_limited, retry after
// open_ms); an auth plugin fails closed (refused, naming it) or open (a
// guest who may not create rooms, never the name asked for); an
// attachments plugin's failed signature is asked again; a 1.11 hook is
// called through Hook::offline and counts as taken.

#include <future>
#include <string>

#include <gtest/gtest.h>

#include "faults/guarded_attachments.hpp"
#include "faults/guarded_auth.hpp"
#include "faults/guarded_hook.hpp"
#include "faults/guarded_limiter.hpp"

namespace natter::faults {
namespace {

using namespace std::chrono_literals;

// Both answer only when they go, long after the deadline.
class SilentLimiter final : public natter::RateLimiter {
 public:
  ~SilentLimiter() {
    for (auto* done : held) done->admitted();
  }
  bool start(natter::Diagnostic&) noexcept override { return true; }
  void stop() noexcept override {}
  void admit(const natter::AdmitRequest&, natter::AdmitDone& done) noexcept override { held.push_back(&done); }
  std::vector<natter::AdmitDone*> held;
};

class SilentAuth final : public natter::Authenticator {
 public:
  ~SilentAuth() {
    for (auto* done : held) done->refused("too late");
  }
  bool start(natter::Diagnostic&) noexcept override { return true; }
  void stop() noexcept override {}
  void authenticate(const natter::ConnectInfo&, natter::AuthDone& done) noexcept override { held.push_back(&done); }
  std::vector<natter::AuthDone*> held;
};

class FlakySigner final : public natter::Attachments {
 public:
  bool start(natter::Diagnostic&) noexcept override { return true; }
  void stop() noexcept override {}
  void upload(const natter::UploadRequest& request, natter::PresignDone& done) noexcept override {
    if (++calls == 1) {
      done.refused({natter::ErrorCode::unavailable, "clock not synced"});
      return;
    }
    EXPECT_EQ(request.name, "cat.png");  // a retry asks for the same file
    done.presigned({"PUT", "https://store/put", "k1", 0, {}});
  }
  bool issued_for(std::string_view, std::string_view) noexcept override { return true; }
  void download(std::string_view, std::string_view, natter::PresignDone& done) noexcept override {
    done.refused({natter::ErrorCode::not_found, "no such file"});
  }
  int calls = 0;
};

class OldHook final : public natter::Hook {
 public:
  bool start(natter::Diagnostic&) noexcept override { return true; }
  void stop() noexcept override {}
  void offline(const natter::OfflineNotice& notice) noexcept override { users.emplace_back(notice.user); }
  std::vector<std::string> users;
};

class Admission final : public natter::AdmitDone {
 public:
  void admitted() noexcept override { outcome.set_value(-1); }
  void refused(std::uint32_t retry_after_ms) noexcept override { outcome.set_value(retry_after_ms); }
  std::promise<std::int64_t> outcome;  // -1: admitted
};

class SignIn final : public natter::AuthDone {
 public:
  void accepted(const natter::Identity& identity) noexcept override {
    outcome.set_value({true, std::string(identity.user) + (identity.may_create_rooms ? "" : " (no rooms)")});
  }
  void refused(std::string_view reason) noexcept override { outcome.set_value({false, std::string(reason)}); }
  std::promise<std::pair<bool, std::string>> outcome;
};

class Signed final : public natter::PresignDone {
 public:
  void presigned(const natter::PresignedRequest& request) noexcept override {
    outcome.set_value(std::string(request.url));
  }
  void refused(natter::Status status) noexcept override { outcome.set_value("refused: " + std::string(status.detail)); }
  std::promise<std::string> outcome;
};

class GuardedPoliciesTest : public ::testing::Test {
 protected:
  FaultGuard& guard(std::string kind, bool fail_open) {
    config::FaultPolicy policy;
    policy.deadline_ms = 30;
    policy.fail_open = fail_open;
    policy.open_ms = 7000;
    policy.backoff_ms = 1;
    guards.push_back(std::make_unique<FaultGuard>(kind, "p", kind, policy, timers, metrics));
    return *guards.back();
  }
  template <class T>
  static T ready(std::promise<T>& promise) {
    auto future = promise.get_future();
    EXPECT_EQ(future.wait_for(5s), std::future_status::ready);
    return future.get();
  }

  runtime::Executor loop;
  runtime::MetricsRegistry metrics;
  std::vector<std::unique_ptr<FaultGuard>> guards;
  runtime::Timers timers{loop};  // stops before the guards it sweeps for go
};

TEST_F(GuardedPoliciesTest, ALimiterThatDoesNotAnswerFailsOpenOrClosed) {
  SilentLimiter plugin;
  GuardedLimiter open(plugin, guard("ratelimit", true));
  GuardedLimiter closed(plugin, guard("ratelimit", false));
  Admission let_through, refused;
  open.admit({}, let_through);
  closed.admit({}, refused);
  EXPECT_EQ(ready(let_through.outcome), -1);
  EXPECT_EQ(ready(refused.outcome), 7000);
}

TEST_F(GuardedPoliciesTest, AnAuthThatDoesNotAnswerRefusesOrLetsInAGuest) {
  SilentAuth plugin;
  GuardedAuth closed(plugin, guard("auth", false));
  GuardedAuth open(plugin, guard("auth", true));
  natter::ConnectInfo info;
  info.requested_user = "mallory";
  SignIn refused, guest;
  closed.authenticate(info, refused);
  open.authenticate(info, guest);
  EXPECT_EQ(ready(refused.outcome), std::make_pair(false, std::string("auth 'p' is not answering; try again later")));
  const auto [accepted, name] = ready(guest.outcome);
  EXPECT_TRUE(accepted);
  EXPECT_TRUE(name.starts_with("guest-") && name.ends_with(" (no rooms)")) << name;
}

TEST_F(GuardedPoliciesTest, AFailedSignatureIsAskedAgainAndARefusalIsAnAnswer) {
  FlakySigner plugin;
  FaultGuard& g = guard("attachments", false);
  GuardedAttachments attachments(plugin, g);
  Signed upload, download;
  attachments.upload({"lobby", "ann", "cat.png", "image/png", 10}, upload);
  EXPECT_EQ(ready(upload.outcome), "https://store/put");
  EXPECT_EQ(plugin.calls, 2);
  attachments.download("lobby", "k9", download);
  EXPECT_EQ(ready(download.outcome), "refused: no such file");
  EXPECT_EQ(g.snapshot().state, BreakerState::closed);
}

TEST_F(GuardedPoliciesTest, AHookBuiltFor1_11IsToldAndCountsAsTaken) {
  OldHook plugin;
  FaultGuard& g = guard("hook", false);
  GuardedHook hook(plugin, nullptr, g);
  hook.offline({"bob", natter::NoticeReason::direct, {}});
  EXPECT_EQ(plugin.users, std::vector<std::string>{"bob"});
  EXPECT_FALSE(hook.refuses_sends());
}

}  // namespace
}  // namespace natter::faults
