#pragma once
// Word list files: rules, each a header naming the rule and its action,
// then its words and phrases, one per line.
//
//   # comments and blank lines are skipped
//   [insults] reject
//   idiot
//   stupid head
//   [mild] mask
//   darn
//
// Actions: `mask` (the words are starred out), `reject` (the message is
// refused, the reason naming the rule), `flag` (delivered, counted and
// logged for moderators). A rule may continue in a later file. Anything
// else is refused with file:line. Any thread.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace natter::wordlist {

enum class Action : std::uint8_t { mask, reject, flag };

struct Rule {
  std::string name;
  Action action;
};

struct WordList {
  std::vector<Rule> rules;
  std::vector<std::string> phrases;     // folded (fold_phrase)
  std::vector<std::uint32_t> rule_of;   // phrase -> index in rules
};

// Thrown with "file:line: what is wrong".
class WordListError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads and folds `paths`, in order, into one list.
WordList read_word_lists(const std::vector<std::string>& paths);

}  // namespace natter::wordlist
