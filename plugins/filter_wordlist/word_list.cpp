#include "word_list.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <utf8proc.h>

#include "folded_text.hpp"

namespace natter::wordlist {

namespace {

std::string trimmed(const std::string& line) {
  const auto first = line.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
}

bool valid_utf8(const std::string& text) {
  for (std::size_t at = 0; at < text.size();) {
    utf8proc_int32_t cp;
    const auto size = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + at),
                                       static_cast<utf8proc_ssize_t>(text.size() - at), &cp);
    if (size <= 0) return false;
    at += static_cast<std::size_t>(size);
  }
  return true;
}

// "[name] action" -> the rule's index in `list`, new or continued.
std::uint32_t rule_from_header(const std::string& header, WordList& list, const std::string& where) {
  const auto close = header.find(']');
  const std::string name = close == std::string::npos ? "" : trimmed(header.substr(1, close - 1));
  const std::string action = close == std::string::npos ? "" : trimmed(header.substr(close + 1));
  if (name.empty() || name.find_first_of(" \t[") != std::string::npos) {
    throw WordListError(where + "a rule header is \"[name] action\", with a name of one word (got \"" + header + "\")");
  }
  Action parsed;
  if (action == "mask") {
    parsed = Action::mask;
  } else if (action == "reject") {
    parsed = Action::reject;
  } else if (action == "flag") {
    parsed = Action::flag;
  } else {
    throw WordListError(where + "rule '" + name + "' needs an action: mask, reject or flag (got \"" + action + "\")");
  }
  for (std::uint32_t i = 0; i < list.rules.size(); ++i) {
    if (list.rules[i].name != name) continue;
    if (list.rules[i].action != parsed) {
      throw WordListError(where + "rule '" + name + "' was declared with another action earlier");
    }
    return i;
  }
  list.rules.push_back({name, parsed});
  return static_cast<std::uint32_t>(list.rules.size() - 1);
}

}  // namespace

WordList read_word_lists(const std::vector<std::string>& paths) {
  WordList list;
  for (const auto& path : paths) {
    std::ifstream in(path);
    if (!in) throw WordListError(path + ": cannot read: " + std::strerror(errno));
    std::string line;
    std::optional<std::uint32_t> rule;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
      const std::string where = path + ":" + std::to_string(number) + ": ";
      const std::string text = trimmed(line);
      if (text.empty() || text.front() == '#') continue;
      if (!valid_utf8(text)) throw WordListError(where + "not UTF-8");
      if (text.front() == '[') {
        rule = rule_from_header(text, list, where);
        continue;
      }
      if (!rule) throw WordListError(where + "a word before any rule header; start with \"[name] action\"");
      std::string phrase = fold_phrase(text);
      if (phrase.empty()) throw WordListError(where + "\"" + text + "\" has nothing left to match once folded");
      list.phrases.push_back(std::move(phrase));
      list.rule_of.push_back(*rule);
    }
    if (in.bad()) throw WordListError(path + ": read failed: " + std::strerror(errno));
  }
  return list;
}

}  // namespace natter::wordlist
