#include "phrase_matcher.hpp"

#include <queue>

namespace natter::wordlist {

PhraseMatcher::PhraseMatcher(const std::vector<std::string>& phrases) {
  // Columns: one per byte value some phrase uses, plus column 0.
  for (const auto& phrase : phrases) {
    for (const char c : phrase) {
      auto& column = column_[static_cast<unsigned char>(c)];
      if (column == 0) column = static_cast<std::uint8_t>(columns_++);
    }
  }
  // The trie; 0 in next_ means "no edge" until the failure links fill it in
  // (state 0, the root, is never an edge's target).
  next_.assign(columns_, 0);
  std::vector<std::uint32_t> own_output(1, kNone);
  output_next_.assign(phrases.size(), kNone);
  lengths_.reserve(phrases.size());
  for (std::uint32_t id = 0; id < phrases.size(); ++id) {
    std::uint32_t state = 0;
    for (const char c : phrases[id]) {
      const std::size_t edge = state * columns_ + column_[static_cast<unsigned char>(c)];
      if (next_[edge] == 0) {
        next_[edge] = static_cast<std::uint32_t>(own_output.size());
        own_output.push_back(kNone);
        next_.resize(next_.size() + columns_, 0);
      }
      state = next_[edge];
    }
    // Several ids for one phrase (the same words in two rules): chain them.
    output_next_[id] = own_output[state];
    own_output[state] = id;
    lengths_.push_back(static_cast<std::uint32_t>(phrases[id].size()));
  }
  // Breadth first: each state's missing edges become its failure state's,
  // and its outputs gain those of its failure state.
  const std::size_t states = own_output.size();
  std::vector<std::uint32_t> failure(states, 0);
  output_ = own_output;
  std::queue<std::uint32_t> pending;
  for (std::uint32_t column = 0; column < columns_; ++column) {
    if (const std::uint32_t child = next_[column]) pending.push(child);
  }
  std::vector<std::uint32_t> breadth_first{0};
  breadth_first.reserve(states);
  while (!pending.empty()) {
    const std::uint32_t state = pending.front();
    pending.pop();
    breadth_first.push_back(state);
    // Outputs: this state's own, then its failure state's (already complete).
    if (output_[state] == kNone) {
      output_[state] = output_[failure[state]];
    } else {
      std::uint32_t last = output_[state];
      while (output_next_[last] != kNone) last = output_next_[last];
      output_next_[last] = output_[failure[state]];
    }
    for (std::uint32_t column = 0; column < columns_; ++column) {
      std::uint32_t& edge = next_[state * columns_ + column];
      const std::uint32_t fallback = next_[failure[state] * columns_ + column];
      if (edge == 0) {
        edge = fallback;
      } else {
        failure[edge] = fallback;
        pending.push(edge);
      }
    }
  }
  renumber(breadth_first);
}

void PhraseMatcher::renumber(const std::vector<std::uint32_t>& order) {
  // Text mostly keeps the automaton near its root: numbered breadth first,
  // the shallow states' rows sit together and stay in cache. Edges then
  // hold rows, not states, and say whether a phrase ends where they lead.
  std::vector<std::uint32_t> number(order.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) number[order[i]] = i;
  std::vector<std::uint32_t> next(next_.size()), output(output_.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) {
    const std::uint32_t old = order[i];
    for (std::uint32_t column = 0; column < columns_; ++column) {
      const std::uint32_t target = next_[old * columns_ + column];
      next[i * columns_ + column] = number[target] * columns_ | (output_[target] != kNone ? kEndsPhrase : 0);
    }
    output[i] = output_[old];
  }
  next_.swap(next);
  output_.swap(output);
}

}  // namespace natter::wordlist
