#pragma once
// Text as the word filter compares it: each code point of the message
// case-folded, compatibility-decomposed and stripped of its marks (so
// "ＢＡＤ", "Bad" and "bád" all read "bad"), default-ignorable code points
// (zero-width joiners, soft hyphens) dropped, and every run of white
// space read as one space. Each folded byte remembers which bytes of the
// original it came from, so a match found in the folded text can be masked
// in the original. Any thread; one instance per thread (it reuses its
// buffers from message to message).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace natter::wordlist {

class FoldedText {
 public:
  // Folds `original`, which must be valid UTF-8 (the broker checks bodies).
  void fold(std::string_view original);

  std::string_view text() const noexcept { return {folded_.data(), size_}; }
  // The original bytes [begin, end) that folded bytes [from, to) came from.
  std::uint32_t original_begin(std::size_t from) const noexcept { return begin_[from]; }
  std::uint32_t original_end(std::size_t to) const noexcept { return end_[to - 1]; }
  // Whether folded [from, to) stands as whole words: no letter or digit
  // right before `from` or right at `to`. What keeps "ass" out of "class".
  bool whole_words(std::size_t from, std::size_t to) const noexcept;

 private:
  void append(std::uint32_t code_point, std::uint32_t begin, std::uint32_t end);

  // Buffers kept between messages; the first size_ entries are this one's.
  std::string folded_;
  std::vector<std::uint32_t> begin_, end_;  // per folded byte
  std::size_t size_ = 0;
};

// The same folding for a word list's phrase, on its own.
std::string fold_phrase(std::string_view phrase);

// Whether `code_point` is part of a word (a letter or a digit).
bool is_word_character(std::uint32_t code_point) noexcept;

}  // namespace natter::wordlist
