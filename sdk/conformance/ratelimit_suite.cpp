#include "ratelimit_suite.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "decision_wait.hpp"

namespace natter::conformance {

namespace {

using namespace std::chrono_literals;

std::function<std::unique_ptr<RateLimiterUnderTest>()>& factory() {
  static std::function<std::unique_ptr<RateLimiterUnderTest>()> f;
  return f;
}

// One admission's decision.
class Decision final : public natter::AdmitDone, public DecisionWait {
 public:
  void admitted() noexcept override { finish(true, 0); }
  void refused(std::uint32_t retry_after_ms) noexcept override { finish(false, retry_after_ms); }

  bool admitted_ = false;
  std::uint32_t retry_after_ms = 0;

 private:
  void finish(bool admitted, std::uint32_t wait_ms) {
    decided([&] {
      admitted_ = admitted;
      retry_after_ms = wait_ms;
    });
  }
};

natter::AdmitRequest send_by(std::string_view user, std::uint64_t session = 1) {
  return {user, "lobby", "192.0.2.1:40000", 1, natter::LimitedAction::send, session};
}

class RateLimiterConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(factory()) << "no rate limiter under test: call set_rate_limiter_under_test()";
    under_test_ = factory()();
  }
  void TearDown() override { under_test_->close(); }

  // Sends as `user` until refused (up to 10,000); the refusal's wait, or
  // fails the test if nothing was refused.
  std::uint32_t send_until_refused(natter::RateLimiter& limiter, std::string_view user) {
    for (int i = 0; i < 10'000; ++i) {
      Decision decision;
      limiter.admit(send_by(user), decision);
      EXPECT_TRUE(decision.wait()) << "admit() gave no decision within 5 s";
      if (!decision.admitted_) return decision.retry_after_ms;
    }
    ADD_FAILURE() << "10,000 sends by one user, none refused: give the kit a config with a send limit per user "
                     "it can reach (say \"send per user 5/s burst 20\")";
    return 0;
  }
  std::unique_ptr<RateLimiterUnderTest> under_test_;
};

TEST_F(RateLimiterConformance, EveryRequestGetsExactlyOneDecision) {
  auto& limiter = under_test_->open();
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::unique_ptr<Decision>> decisions(kThreads * kEach);
  for (auto& d : decisions) d = std::make_unique<Decision>();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string user = "user" + std::to_string((t * kEach + i) % 37);
        const auto action = static_cast<natter::LimitedAction>(1 + i % 6);
        limiter.admit({user, "room" + std::to_string(i % 5), "192.0.2." + std::to_string(t) + ":1", 1, action,
                       static_cast<std::uint64_t>(t + 1)},
                      *decisions[t * kEach + i]);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (auto& d : decisions) ASSERT_TRUE(d->wait()) << "a request got no decision within 5 s";
  std::this_thread::sleep_for(100ms);  // a second decision would come late
  for (auto& d : decisions) EXPECT_EQ(d->calls(), 1);
}

TEST_F(RateLimiterConformance, ARefusalSaysHowLongToWait) {
  auto& limiter = under_test_->open();
  const std::uint32_t wait = send_until_refused(limiter, "flooder");
  EXPECT_GT(wait, 0u) << "a refusal with retry_after_ms 0 invites an immediate retry";
  EXPECT_LE(wait, 24u * 3600 * 1000) << "more than a day";
}

TEST_F(RateLimiterConformance, WaitingAsToldIsEnough) {
  auto& limiter = under_test_->open();
  const std::uint32_t wait = send_until_refused(limiter, "patient");
  if (wait == 0 || wait > 3000) GTEST_SKIP() << "the wait (" << wait << " ms) is too long to try here";
  std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  Decision decision;
  limiter.admit(send_by("patient"), decision);
  ASSERT_TRUE(decision.wait());
  EXPECT_TRUE(decision.admitted_) << "refused again after waiting the " << wait << " ms it said";
}

TEST_F(RateLimiterConformance, OneUsersFloodLeavesAnotherUserAlone) {
  auto& limiter = under_test_->open();
  send_until_refused(limiter, "loud");
  Decision decision;
  limiter.admit({"quiet", "another-room", "198.51.100.7:2", 1, natter::LimitedAction::send, 99}, decision);
  ASSERT_TRUE(decision.wait());
  EXPECT_TRUE(decision.admitted_) << "a user on another address, in another room, was refused for someone else's flood";
}

TEST_F(RateLimiterConformance, StopReturnsOnlyAfterTheLastDecision) {
  auto& limiter = under_test_->open();
  std::vector<std::unique_ptr<Decision>> decisions(200);
  for (std::size_t i = 0; i < decisions.size(); ++i) {
    decisions[i] = std::make_unique<Decision>();
    limiter.admit(send_by("stopper" + std::to_string(i % 3)), *decisions[i]);
  }
  under_test_->close();
  for (auto& d : decisions) EXPECT_EQ(d->calls(), 1) << "a decision was still to come after stop()";
}

}  // namespace

void set_rate_limiter_under_test(std::function<std::unique_ptr<RateLimiterUnderTest>()> f) {
  factory() = std::move(f);
}

}  // namespace natter::conformance
