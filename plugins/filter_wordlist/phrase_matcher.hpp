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
    std::uint32_t state = 0;
    for (std::size_t at = 0; at < text.size(); ++at) {
      state = next_[state * columns_ + column_[static_cast<unsigned char>(text[at])]];
      for (std::uint32_t found = output_[state]; found != kNone; found = output_next_[found]) {
        if (!on_match(found, at + 1 - lengths_[found], at + 1)) return;
      }
    }
  }

  std::size_t states() const noexcept { return output_.size(); }

 private:
  static constexpr std::uint32_t kNone = 0xffffffff;

  std::array<std::uint8_t, 256> column_{};  // byte -> column; 0 for bytes no phrase has
  std::uint32_t columns_ = 1;
  std::vector<std::uint32_t> next_;     // [state * columns_ + column] -> state
  std::vector<std::uint32_t> output_;   // state -> first phrase ending here, or kNone
  std::vector<std::uint32_t> output_next_;  // phrase -> next phrase ending at the same state
  std::vector<std::uint32_t> lengths_;      // phrase -> its length in bytes
};

}  // namespace natter::wordlist
