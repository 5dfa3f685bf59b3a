#include "chat/unread_counter.hpp"

#include "chat/loop_completions.hpp"

namespace natter::chat {

void UnreadCounter::count(const std::vector<Ask>& asks, Counted then) {
  if (!counts_ || asks.empty()) {
    then(std::vector<std::int64_t>(asks.size(), -1));
    return;
  }
  std::vector<natter::UnreadQuery> queries;
  queries.reserve(asks.size());
  for (const Ask& ask : asks) queries.push_back({ask.room, ask.read_up_to, ask.reader, kCountMax});
  auto* read = new UnreadCount(loop_, [then = std::move(then), expected = asks.size()](std::vector<std::uint32_t> got) {
    // A failed count (storage unavailable) is "not known", not zero.
    std::vector<std::int64_t> counts(expected, -1);
    if (got.size() == expected) counts.assign(got.begin(), got.end());
    then(std::move(counts));
  });
  counts_->count(queries, *read);
}

}  // namespace natter::chat
