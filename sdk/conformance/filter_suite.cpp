#include "filter_suite.hpp"

#include <algorithm>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace natter::conformance {

namespace {

std::function<std::unique_ptr<FilterUnderTest>()>& factory() {
  static std::function<std::unique_ptr<FilterUnderTest>()> f;
  return f;
}

// Records what the filter decided, and how often it decided.
struct Verdict final : natter::FilterVerdict {
  void rewrite(std::string_view body) noexcept override {
    ++calls;
    rewritten = true;
    text = body;
  }
  void reject(std::string_view reason) noexcept override {
    ++calls;
    rejected = true;
    text = reason;
  }
  int calls = 0;
  bool rewritten = false, rejected = false;
  std::string text;
};

Verdict inspect(natter::Filter& f, std::string_view body, std::string_view room = "lobby") {
  Verdict v;
  f.inspect({room, "tester", body}, v);
  return v;
}

const std::vector<std::string>& samples() {
  static const std::vector<std::string> bodies = {
      "hello",
      "x",
      std::string(64 * 1024, 'a'),
      "emoji 👋🏽 漢字 עברית",
      "line\nbreaks\tand\ttabs",
      "quotes ' \" ` \\ {}[]",
      "spam buy now http://example.invalid",
  };
  return bodies;
}

class FilterConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(factory()) << "no filter under test: call set_filter_under_test()";
    filter_ = factory()();
  }
  void TearDown() override { filter_->close(); }
  std::unique_ptr<FilterUnderTest> filter_;
};

TEST_F(FilterConformance, GivesAtMostOneVerdictPerMessage) {
  auto& f = filter_->open();
  for (const auto& body : samples()) {
    EXPECT_LE(inspect(f, body).calls, 1) << "body: " << body.substr(0, 40);
  }
}

TEST_F(FilterConformance, ARejectionCarriesAReasonForTheSender) {
  auto& f = filter_->open();
  for (const auto& body : samples()) {
    Verdict v = inspect(f, body);
    if (v.rejected) {
      EXPECT_FALSE(v.text.empty()) << "rejected without a reason: " << body.substr(0, 40);
    }
  }
}

TEST_F(FilterConformance, TheSameMessageGetsTheSameVerdict) {
  auto& f = filter_->open();
  for (const auto& body : samples()) {
    Verdict first = inspect(f, body), second = inspect(f, body);
    EXPECT_EQ(first.rejected, second.rejected);
    EXPECT_EQ(first.rewritten, second.rewritten);
    EXPECT_EQ(first.text, second.text);
  }
}

TEST_F(FilterConformance, ARewriteOfARewriteIsStillAMessage) {
  // Filters run as a chain: each must accept what another left.
  auto& f = filter_->open();
  for (const auto& body : samples()) {
    Verdict once = inspect(f, body);
    if (!once.rewritten) continue;
    EXPECT_FALSE(once.text.empty()) << "rewrote to an empty body";
    EXPECT_LE(inspect(f, once.text).calls, 1);
  }
}

TEST_F(FilterConformance, ConcurrentInspectionIsSafe) {
  auto& f = filter_->open();
  std::vector<Verdict> expected;
  for (const auto& body : samples()) expected.push_back(inspect(f, body));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 200; ++round) {
        for (std::size_t i = 0; i < samples().size(); ++i) {
          Verdict v = inspect(f, samples()[i]);
          if (v.rejected != expected[i].rejected || v.text != expected[i].text) ++mismatches;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(FilterConformance, DoesWhatItsExamplesSay) {
  const std::vector<FilterExample> examples = filter_->examples();
  const bool acts = std::any_of(examples.begin(), examples.end(),
                                [](const FilterExample& e) { return e.verdict != FilterExample::Verdict::pass; });
  ASSERT_TRUE(acts) << "declare what the filter does (natter-conformance --examples FILE.toml) with at least one "
                       "message it rejects or rewrites";
  auto& f = filter_->open();
  for (const auto& example : examples) {
    const Verdict v = inspect(f, example.body);
    switch (example.verdict) {
      case FilterExample::Verdict::pass:
        EXPECT_EQ(v.calls, 0) << "should pass untouched: " << example.body;
        break;
      case FilterExample::Verdict::rewrite:
        EXPECT_TRUE(v.rewritten) << "should be rewritten: " << example.body;
        EXPECT_EQ(v.text, example.rewritten) << "rewriting: " << example.body;
        break;
      case FilterExample::Verdict::reject:
        EXPECT_TRUE(v.rejected) << "should be rejected: " << example.body;
        break;
    }
  }
}

TEST_F(FilterConformance, StopsAndStartsAgain) {
  filter_->open();
  filter_->close();
  auto& again = filter_->open();
  EXPECT_LE(inspect(again, "after a restart").calls, 1);
}

}  // namespace

void set_filter_under_test(std::function<std::unique_ptr<FilterUnderTest>()> f) { factory() = std::move(f); }

}  // namespace natter::conformance
