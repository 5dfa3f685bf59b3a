#pragma once
// filter_wordlist: words and phrases an operator does not allow, matched
// in one pass over each message (PhraseMatcher) as whole words of its
// folded text (FoldedText), with each rule's action: mask, reject or
// flag. The lists are read at construction (so --check-config sees a bad
// one) and again on SIGHUP (natter::Reloadable): a list that does not
// read keeps the one in use. inspect() runs on broker threads, any number
// at once, against the list current when it began.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "phrase_matcher.hpp"
#include "word_list.hpp"

namespace natter::wordlist {

class WordlistFilter final : public natter::Filter, public natter::Reloadable {
 public:
  WordlistFilter(natter::Host& host, const natter::PluginConfig& config);

  bool start(natter::Diagnostic& error) noexcept override;
  void inspect(const natter::MessageDraft& draft, natter::FilterVerdict& verdict) noexcept override;
  void stop() noexcept override {}
  bool reload(natter::Diagnostic& error) noexcept override;

  static std::span<const natter::ConfigKey> keys();

 private:
  // A list and its automaton, swapped whole on reload.
  struct Compiled {
    explicit Compiled(WordList words) : list(std::move(words)), matcher(list.phrases) {}
    WordList list;
    PhraseMatcher matcher;
  };
  std::shared_ptr<const Compiled> compile() const;  // throws WordListError

  natter::Host& host_;
  std::vector<std::string> paths_;
  std::string mask_;  // what each masked character becomes
  std::atomic<std::shared_ptr<const Compiled>> current_;
  natter::Counter& masked_;
  natter::Counter& rejected_;
  natter::Counter& flagged_;
};

}  // namespace natter::wordlist
