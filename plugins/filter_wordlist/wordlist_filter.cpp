#include "wordlist_filter.hpp"

#include <algorithm>
#include <utility>

#include "folded_text.hpp"

namespace natter::wordlist {

namespace {

constexpr natter::ConfigKey kKeys[] = {
    {"lists", KeyType::string_list, nullptr,
     "Word list files, read in order (docs/configuration.md has the format); re-read on SIGHUP"},
    {"mask", KeyType::string, "*", "What each character of a masked word becomes"},
};

// Original byte ranges to mask, merged where they touch or overlap.
using Ranges = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

void merge(Ranges& ranges) {
  std::sort(ranges.begin(), ranges.end());
  Ranges merged;
  for (const auto& range : ranges) {
    if (!merged.empty() && range.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, range.second);
    } else {
      merged.push_back(range);
    }
  }
  ranges.swap(merged);
}

// `body` with every character inside `ranges` replaced by `mask`; white
// space inside a masked phrase stays, so the message keeps its shape.
std::string masked(std::string_view body, const Ranges& ranges, std::string_view mask) {
  std::string out;
  out.reserve(body.size());
  std::size_t at = 0;
  for (const auto& [begin, end] : ranges) {
    out.append(body.substr(at, begin - at));
    for (std::size_t i = begin; i < end; ++i) {
      const auto byte = static_cast<unsigned char>(body[i]);
      if (byte == ' ' || byte == '\t' || byte == '\n') {
        out.push_back(static_cast<char>(byte));
      } else if ((byte & 0xC0) != 0x80) {
        out.append(mask);  // one per code point, not per byte
      }
    }
    at = end;
  }
  out.append(body.substr(at));
  return out;
}

}  // namespace

std::span<const natter::ConfigKey> WordlistFilter::keys() { return kKeys; }

WordlistFilter::WordlistFilter(natter::Host& host, const natter::PluginConfig& config)
    : host_(host),
      mask_(config.get_string("mask")),
      masked_(host.counter("masked_total", "Messages delivered with words masked")),
      rejected_(host.counter("rejected_total", "Messages refused by a reject rule")),
      flagged_(host.counter("flagged_total", "Messages delivered that matched a flag rule")) {
  for (std::size_t i = 0; i < config.list_size("lists"); ++i) paths_.emplace_back(config.list_item("lists", i));
  if (paths_.empty()) throw natter::ConfigError(config, "lists", "names no word list file");
  try {
    current_.store(compile());
  } catch (const WordListError& e) {
    throw natter::ConfigError(config, "lists", e.what());
  }
}

std::shared_ptr<const WordlistFilter::Compiled> WordlistFilter::compile() const {
  return std::make_shared<const Compiled>(read_word_lists(paths_));
}

bool WordlistFilter::start(natter::Diagnostic&) noexcept {
  const auto list = current_.load();
  host_.log(natter::LogLevel::info, std::to_string(list->list.rules.size()) + " rules, " +
                                        std::to_string(list->list.phrases.size()) + " words and phrases");
  return true;
}

bool WordlistFilter::reload(natter::Diagnostic& error) noexcept {
  try {
    auto fresh = compile();
    host_.log(natter::LogLevel::info, "word lists reloaded: " + std::to_string(fresh->list.rules.size()) +
                                          " rules, " + std::to_string(fresh->list.phrases.size()) +
                                          " words and phrases");
    current_.store(std::move(fresh));
    return true;
  } catch (const std::exception& e) {
    error.report(e.what());
    return false;
  }
}

void WordlistFilter::inspect(const natter::MessageDraft& draft, natter::FilterVerdict& verdict) noexcept {
  try {
    const auto compiled = current_.load();
    const WordList& list = compiled->list;
    thread_local FoldedText folded;
    thread_local Ranges to_mask;
    folded.fold(draft.body);
    to_mask.clear();
    const Rule* rejecting = nullptr;
    const Rule* flagging = nullptr;
    compiled->matcher.match(folded.text(), [&](std::uint32_t phrase, std::size_t begin, std::size_t end) {
      if (!folded.whole_words(begin, end)) return true;
      const Rule& rule = list.rules[list.rule_of[phrase]];
      switch (rule.action) {
        case Action::reject:
          rejecting = &rule;
          return false;  // nothing else matters
        case Action::mask:
          to_mask.emplace_back(folded.original_begin(begin), folded.original_end(end));
          break;
        case Action::flag:
          if (!flagging) flagging = &rule;
          break;
      }
      return true;
    });
    if (rejecting) {
      rejected_.add(1);
      verdict.reject("refused by the word filter (rule " + rejecting->name + ")");
      return;
    }
    if (flagging) {
      flagged_.add(1);
      // For moderators: who, where and which rule; never the words.
      host_.log(natter::LogLevel::warn, "flagged by rule " + flagging->name + ": a message from " +
                                            std::string(draft.sender) + " in " + std::string(draft.room));
    }
    if (!to_mask.empty()) {
      merge(to_mask);
      masked_.add(1);
      verdict.rewrite(masked(draft.body, to_mask, mask_));
    }
  } catch (...) {
    // Out of memory: the message passes as it came, as without this filter.
  }
}

}  // namespace natter::wordlist
