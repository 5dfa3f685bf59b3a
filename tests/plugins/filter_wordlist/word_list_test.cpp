// Word list files: what they may say, and the file:line of what they may not.
#include "word_list.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <unistd.h>

namespace natter::wordlist {
namespace {

class WordListTest : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    char name[] = "/tmp/natter-words-XXXXXX";
    const int fd = mkstemp(name);
    close(fd);
    std::ofstream(name) << text;
    paths_.push_back(name);
    return name;
  }
  void TearDown() override {
    for (const auto& path : paths_) std::remove(path.c_str());
  }
  std::string refusal(const std::string& text) {
    const std::string path = write(text);
    try {
      read_word_lists({path});
    } catch (const WordListError& e) {
      std::string what = e.what();
      return what.replace(0, path.size(), "FILE");
    }
    return "accepted";
  }
  std::vector<std::string> paths_;
};

TEST_F(WordListTest, ReadsRulesAndFoldsTheirPhrases) {
  const auto list = read_word_lists({write("# list\n[one] reject\nIDIOT\n\n[two] mask\nDárn  It\n[one] reject\nfool\n")});
  ASSERT_EQ(list.rules.size(), 2u);
  EXPECT_EQ(list.rules[1].action, Action::mask);
  EXPECT_EQ(list.phrases, (std::vector<std::string>{"idiot", "darn it", "fool"}));
  EXPECT_EQ(list.rule_of, (std::vector<std::uint32_t>{0, 1, 0}));
}

TEST_F(WordListTest, RefusesWithFileAndLine) {
  EXPECT_EQ(refusal("\nword\n"), "FILE:2: a word before any rule header; start with \"[name] action\"");
  EXPECT_EQ(refusal("[rude] hide\n"), "FILE:1: rule 'rude' needs an action: mask, reject or flag (got \"hide\")");
  EXPECT_EQ(refusal("[] mask\n"), "FILE:1: a rule header is \"[name] action\", with a name of one word (got \"[] mask\")");
  EXPECT_EQ(refusal("[a] mask\nx\n[a] reject\n"), "FILE:3: rule 'a' was declared with another action earlier");
  EXPECT_EQ(refusal("[a] mask\nok\n\xff\xfe\n"), "FILE:3: not UTF-8");
  EXPECT_EQ(refusal("[a] mask\n\u200B\n"), "FILE:2: \"\u200B\" has nothing left to match once folded");
}

TEST_F(WordListTest, AMissingFileIsNamed) {
  try {
    read_word_lists({"/nonexistent/words.txt"});
    FAIL();
  } catch (const WordListError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/words.txt: cannot read: No such file or directory");
  }
}

}  // namespace
}  // namespace natter::wordlist
