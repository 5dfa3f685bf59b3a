#include "auth_suite.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "decision_wait.hpp"

namespace natter::conformance {

namespace {

using namespace std::chrono_literals;

std::function<std::unique_ptr<AuthUnderTest>()>& factory() {
  static std::function<std::unique_ptr<AuthUnderTest>()> f;
  return f;
}

// One sign-in's decision.
class Decision final : public natter::AuthDone, public DecisionWait {
 public:
  void accepted(const natter::Identity& identity) noexcept override { finish(true, identity.user); }
  void refused(std::string_view reason) noexcept override { finish(false, reason); }

  bool accepted_ = false;
  std::string text;  // the user, or the reason

 private:
  void finish(bool accepted, std::string_view text_) {
    decided([&] {
      accepted_ = accepted;
      text = text_;
    });
  }
};

natter::ConnectInfo info_of(const AuthExample& example) {
  return {"conformance", "192.0.2.1:40000", example.requested_user, example.token};
}

std::string describe(const AuthExample& e) {
  return "user '" + e.requested_user + "', token '" + e.token.substr(0, 24) + (e.token.size() > 24 ? "...'" : "'");
}

class AuthConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(factory()) << "no auth plugin under test: call set_auth_under_test()";
    under_test_ = factory()();
    examples_ = under_test_->examples();
  }
  void TearDown() override { under_test_->close(); }
  std::unique_ptr<AuthUnderTest> under_test_;
  std::vector<AuthExample> examples_;
};

TEST_F(AuthConformance, DoesWhatItsExamplesSay) {
  ASSERT_TRUE(std::any_of(examples_.begin(), examples_.end(), [](const auto& e) { return e.refused; }))
      << "give at least one example the plugin refuses (refuse = true): one that accepts everyone passes the rest";
  auto& auth = under_test_->open();
  for (const auto& example : examples_) {
    Decision decision;
    auth.authenticate(info_of(example), decision);
    ASSERT_TRUE(decision.wait()) << "no decision within 5 s for " << describe(example);
    if (example.refused) {
      EXPECT_FALSE(decision.accepted_) << "accepted, as '" << decision.text << "': " << describe(example);
    } else {
      EXPECT_TRUE(decision.accepted_) << "refused (" << decision.text << "): " << describe(example);
      if (!example.user.empty()) {
        EXPECT_EQ(decision.text, example.user) << describe(example);
      }
    }
  }
}

TEST_F(AuthConformance, AnAcceptedIdentityNamesAUserARefusalSaysWhy) {
  auto& auth = under_test_->open();
  for (const auto& example : examples_) {
    Decision decision;
    auth.authenticate(info_of(example), decision);
    ASSERT_TRUE(decision.wait());
    EXPECT_FALSE(decision.text.empty()) << (decision.accepted_ ? "accepted with no user: " : "refused with no reason: ")
                                        << describe(example);
    if (decision.accepted_) {
      EXPECT_LE(decision.text.size(), 255u);
      EXPECT_TRUE(std::none_of(decision.text.begin(), decision.text.end(),
                               [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
          << "a user name with control characters";
    }
  }
}

TEST_F(AuthConformance, EveryAttemptGetsExactlyOneDecision) {
  auto& auth = under_test_->open();
  constexpr int kThreads = 4, kRounds = 50;
  const std::size_t per_round = examples_.size();
  std::vector<std::unique_ptr<Decision>> decisions(kThreads * kRounds * per_round);
  for (auto& d : decisions) d = std::make_unique<Decision>();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        for (std::size_t i = 0; i < per_round; ++i) {
          auth.authenticate(info_of(examples_[i]), *decisions[(t * kRounds + round) * per_round + i]);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (std::size_t i = 0; i < decisions.size(); ++i) {
    ASSERT_TRUE(decisions[i]->wait()) << "no decision within 5 s";
    EXPECT_EQ(decisions[i]->accepted_, !examples_[i % per_round].refused) << describe(examples_[i % per_round]);
  }
  std::this_thread::sleep_for(100ms);  // a second decision would come late
  for (auto& d : decisions) EXPECT_EQ(d->calls(), 1);
}

TEST_F(AuthConformance, StopReturnsOnlyAfterTheLastDecision) {
  auto& auth = under_test_->open();
  std::vector<std::unique_ptr<Decision>> decisions;
  for (int round = 0; round < 20; ++round) {
    for (const auto& example : examples_) {
      decisions.push_back(std::make_unique<Decision>());
      auth.authenticate(info_of(example), *decisions.back());
    }
  }
  under_test_->close();
  for (auto& d : decisions) EXPECT_EQ(d->calls(), 1) << "a decision was still to come after stop()";
}

}  // namespace

void set_auth_under_test(std::function<std::unique_ptr<AuthUnderTest>()> f) { factory() = std::move(f); }

}  // namespace natter::conformance
