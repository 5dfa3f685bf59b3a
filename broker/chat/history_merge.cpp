#include "chat/history_merge.hpp"

#include <algorithm>

namespace natter::chat {

std::vector<StoredMessage> merge_history_page(const natter::HistoryQuery& query,
                                              std::span<const StoredMessage> stored,
                                              const std::deque<StoredMessage>* recent) {
  auto in_range = [&](std::uint64_t id) {
    return id > query.after_id && (query.before_id == 0 || id < query.before_id);
  };
  std::vector<StoredMessage> page;
  for (const auto& m : stored) {
    if (in_range(m.id)) page.push_back(m);
  }
  if (recent) {
    for (const auto& m : *recent) {
      if (in_range(m.id)) page.push_back(m);
    }
  }
  // Of two copies of one message (stored and recent), the one revised
  // last comes first and stays.
  auto by_id = [](const StoredMessage& a, const StoredMessage& b) {
    return a.id != b.id ? a.id < b.id : a.mark.revision > b.mark.revision;
  };
  std::sort(page.begin(), page.end(), by_id);
  page.erase(std::unique(page.begin(), page.end(),
                         [](const auto& a, const auto& b) { return a.id == b.id; }),
             page.end());
  if (page.size() > query.limit) {
    if (query.after_id) {
      page.resize(query.limit);  // recovery: the oldest after the mark
    } else {
      page.erase(page.begin(), page.end() - query.limit);  // scrollback: the newest
    }
  }
  return page;
}

}  // namespace natter::chat
