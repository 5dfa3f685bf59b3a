#include "folded_text.hpp"

#include <utf8proc.h>

namespace natter::wordlist {

namespace {

constexpr utf8proc_option_t kFolding =
    static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
                                   UTF8PROC_IGNORE);

bool is_space(std::uint32_t cp) noexcept {
  if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') return true;
  if (cp < 0x80) return false;
  const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return category == UTF8PROC_CATEGORY_ZS || category == UTF8PROC_CATEGORY_ZL || category == UTF8PROC_CATEGORY_ZP;
}

// The code point starting at `at`, and where the next one starts.
std::uint32_t decode(std::string_view text, std::size_t& at) noexcept {
  utf8proc_int32_t cp = 0;
  const auto size = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + at),
                                     static_cast<utf8proc_ssize_t>(text.size() - at), &cp);
  if (size <= 0) {  // not UTF-8: take the byte as it is
    ++at;
    return static_cast<unsigned char>(text[at - 1]);
  }
  at += static_cast<std::size_t>(size);
  return static_cast<std::uint32_t>(cp);
}

}  // namespace

bool is_word_character(std::uint32_t cp) noexcept {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
      return true;
    default:
      return false;
  }
}

void FoldedText::append(std::uint32_t cp, std::uint32_t begin, std::uint32_t end) {
  if (size_ + 4 > folded_.size()) {  // room for the longest UTF-8 sequence
    folded_.resize(folded_.size() * 2 + 8);
    begin_.resize(folded_.size());
    end_.resize(folded_.size());
  }
  utf8proc_uint8_t bytes[4];
  const auto count = static_cast<std::size_t>(utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), bytes));
  for (std::size_t i = 0; i < count; ++i) {
    folded_[size_] = static_cast<char>(bytes[i]);
    begin_[size_] = begin;
    end_[size_] = end;
    ++size_;
  }
}

void FoldedText::fold(std::string_view original) {
  // Sized for the common case up front (ASCII folds to at most itself), so
  // the loop below writes with no checks; append() grows them otherwise.
  size_ = 0;
  folded_.resize(original.size() + 8);
  begin_.resize(folded_.size());
  end_.resize(folded_.size());
  bool after_space = false;
  for (std::size_t at = 0; at < original.size();) {
    const auto byte = static_cast<unsigned char>(original[at]);
    if (byte < 0x80) {  // most chat text: no table lookups
      const auto begin = static_cast<std::uint32_t>(at++);
      if (byte == ' ' || byte == '\t' || byte == '\n' || byte == '\r') {
        if (after_space) {
          end_[size_ - 1] = begin + 1;  // a run of white space is one space
          continue;
        }
        after_space = true;
        folded_[size_] = ' ';
      } else {
        after_space = false;
        folded_[size_] = static_cast<char>(byte >= 'A' && byte <= 'Z' ? byte + 32 : byte);
      }
      begin_[size_] = begin;
      end_[size_] = begin + 1;
      ++size_;
      continue;
    }
    const auto begin = static_cast<std::uint32_t>(at);
    const std::uint32_t cp = decode(original, at);
    const auto end = static_cast<std::uint32_t>(at);
    if (is_space(cp)) {
      if (after_space) {
        end_[size_ - 1] = end;
      } else {
        append(' ', begin, end);
        after_space = true;
      }
      continue;
    }
    after_space = false;
    utf8proc_int32_t parts[18];  // the longest decomposition is 18 code points
    const auto count = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), parts, 18, kFolding, nullptr);
    if (count < 0 || count > 18) {
      append(cp, begin, end);
      continue;
    }
    for (utf8proc_ssize_t i = 0; i < count; ++i) append(static_cast<std::uint32_t>(parts[i]), begin, end);
  }
}

bool FoldedText::whole_words(std::size_t from, std::size_t to) const noexcept {
  const std::string_view folded = text();
  if (from > 0) {
    std::size_t start = from - 1;
    while (start > 0 && (static_cast<unsigned char>(folded[start]) & 0xC0) == 0x80) --start;
    std::size_t at = start;
    if (is_word_character(decode(folded, at))) return false;
  }
  if (to < folded.size()) {
    std::size_t at = to;
    if (is_word_character(decode(folded, at))) return false;
  }
  return true;
}

std::string fold_phrase(std::string_view phrase) {
  FoldedText folded;
  folded.fold(phrase);
  std::string text(folded.text());
  while (!text.empty() && text.front() == ' ') text.erase(0, 1);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace natter::wordlist
