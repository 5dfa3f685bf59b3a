// What the word filter compares: folded text that still knows where each
// of its bytes came from, and whole-word boundaries in any script.
#include "folded_text.hpp"

#include <gtest/gtest.h>

namespace natter::wordlist {
namespace {

TEST(FoldedText, FoldsCaseWidthAndAccents) {
  FoldedText folded;
  folded.fold("ＢＡＤ Bad bád BÀD");
  EXPECT_EQ(folded.text(), "bad bad bad bad");
}

TEST(FoldedText, DropsZeroWidthCharactersAndJoinsWhiteSpace) {
  FoldedText folded;
  folded.fold("b\u200Bad \t\n  idea");
  EXPECT_EQ(folded.text(), "bad idea");
}

TEST(FoldedText, EachFoldedByteKnowsItsOriginalBytes) {
  FoldedText folded;
  const std::string original = "xＢáy";  // 1 + 3 + 2 + 1 bytes
  folded.fold(original);
  ASSERT_EQ(folded.text(), "xbay");
  EXPECT_EQ(folded.original_begin(1), 1u);
  EXPECT_EQ(folded.original_end(3), 6u);  // "ba" is original bytes [1, 6)
}

TEST(FoldedText, WholeWordsAreBoundedByWhatIsNotALetterOrDigit) {
  FoldedText folded;
  folded.fold("class ass, ass2 кass");
  EXPECT_FALSE(folded.whole_words(2, 5));   // in "class"
  EXPECT_TRUE(folded.whole_words(6, 9));    // "ass" before a comma
  EXPECT_FALSE(folded.whole_words(11, 14)); // before a digit
  EXPECT_FALSE(folded.whole_words(18, 21)); // after a Cyrillic letter
}

TEST(FoldedText, FoldsAPhraseWithoutItsOuterSpace) { EXPECT_EQ(fold_phrase("  Stupid   HEAD "), "stupid head"); }

}  // namespace
}  // namespace natter::wordlist
