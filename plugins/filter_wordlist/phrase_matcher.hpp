#pragma once
// Every phrase of a word list found in one pass over a text, however many
// phrases there are (Aho-Corasick, compiled to a full automaton over
// bytes: one table lookup per byte of the message, linear in its length).
// Bytes no phrase uses share one column, which keeps the table small.
// Built once per list, then immutable: any number of threads may match at
// once.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace natter::wordlist {

class PhraseMatcher {
 public:
  // `phrases` must not be empty strings; their index is their id.
  explicit PhraseMatcher(const std::vector<std::string>& phrases);

  // Calls on_match(id, begin, end) for every occurrence of every phrase in
  // `text`, in order of `end`; stops early once on_match returns false.
  template <class OnMatch>
  void match(std::string_view text, OnMatch&& on_match) const {
    std::uint32_t row = 0;  // the state's row in next_
    for (std::size_t at = 0; at < text.size(); ++at) {
      const std::uint32_t edge = next_[row + column_[static_cast<unsigned char>(text[at])]];
      row = edge & ~kEndsPhrase;
      if (!(edge & kEndsPhrase)) continue;  // the common case: one lookup per byte
      for (std::uint32_t found = output_[row / columns_]; found != kNone; found = output_next_[found]) {
        if (!on_match(found, at + 1 - lengths_[found], at + 1)) return;
      }
    }
  }

  std::size_t states() const noexcept { return output_.size(); }

 private:
  static constexpr std::uint32_t kNone = 0xffffffff;
  // In next_: the target state's row, with this bit set if a phrase ends there.
  static constexpr std::uint32_t kEndsPhrase = 0x80000000;

  // States renumbered so that order[i] becomes i.
  void renumber(const std::vector<std::uint32_t>& order);

  std::array<std::uint8_t, 256> column_{};  // byte -> column; 0 for bytes no phrase has
  std::uint32_t columns_ = 1;
  std::vector<std::uint32_t> next_;     // [state * columns_ + column] -> row of the next state | kEndsPhrase
  std::vector<std::uint32_t> output_;   // state -> first phrase ending here, or kNone
  std::vector<std::uint32_t> output_next_;  // phrase -> next phrase ending at the same state
  std::vector<std::uint32_t> lengths_;      // phrase -> its length in bytes
};

}  // namespace natter::wordlist
