// The automaton finds exactly what a naive search for every phrase finds,
// overlaps and repeats included, in one pass.
#include "phrase_matcher.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <tuple>

namespace natter::wordlist {
namespace {

using Found = std::set<std::tuple<std::uint32_t, std::size_t, std::size_t>>;

Found all_matches(const PhraseMatcher& matcher, std::string_view text) {
  Found found;
  matcher.match(text, [&](std::uint32_t id, std::size_t begin, std::size_t end) {
    found.emplace(id, begin, end);
    return true;
  });
  return found;
}

Found naive(const std::vector<std::string>& phrases, std::string_view text) {
  Found found;
  for (std::uint32_t id = 0; id < phrases.size(); ++id) {
    for (auto at = text.find(phrases[id]); at != std::string_view::npos; at = text.find(phrases[id], at + 1)) {
      found.emplace(id, at, at + phrases[id].size());
    }
  }
  return found;
}

TEST(PhraseMatcher, FindsOverlappingAndNestedPhrases) {
  const std::vector<std::string> phrases{"he", "she", "his", "hers"};
  EXPECT_EQ(all_matches(PhraseMatcher(phrases), "ushers"), (Found{{1, 1, 4}, {0, 2, 4}, {3, 2, 6}}));
}

TEST(PhraseMatcher, ThePhraseInTwoRulesIsReportedForEach) {
  const std::vector<std::string> phrases{"darn", "darn"};
  EXPECT_EQ(all_matches(PhraseMatcher(phrases), "darn"), (Found{{0, 0, 4}, {1, 0, 4}}));
}

TEST(PhraseMatcher, StopsWhenTold) {
  const PhraseMatcher matcher({"a"});
  int calls = 0;
  matcher.match("aaaa", [&](std::uint32_t, std::size_t, std::size_t) { return ++calls < 2; });
  EXPECT_EQ(calls, 2);
}

TEST(PhraseMatcher, AgreesWithANaiveSearchOnRandomText) {
  std::mt19937 random(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string> phrases;
    for (int i = 0; i < 40; ++i) {
      std::string phrase;
      for (std::size_t n = 1 + random() % 5; n > 0; --n) phrase.push_back(static_cast<char>('a' + random() % 4));
      phrases.push_back(phrase);
    }
    std::string text;
    for (int i = 0; i < 500; ++i) text.push_back(static_cast<char>('a' + random() % 5));
    EXPECT_EQ(all_matches(PhraseMatcher(phrases), text), naive(phrases, text)) << "round " << round;
  }
}

TEST(PhraseMatcher, TenThousandPhrasesStayCompact) {
  std::vector<std::string> phrases;
  for (int i = 0; i < 10'000; ++i) phrases.push_back("word" + std::to_string(i * 7919));
  const PhraseMatcher matcher(phrases);
  EXPECT_LT(matcher.states(), 60'000u);
  EXPECT_EQ(all_matches(matcher, "say word7919 now").size(), 1u);
}

}  // namespace
}  // namespace natter::wordlist
