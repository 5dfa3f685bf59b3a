#pragma once
// A history page as a client must see it: what storage returned, plus the
// room's recent in-memory messages that storage may not have committed yet
// (write-behind), without duplicates, oldest first.

#include <deque>
#include <span>
#include <vector>

#include <natter/storage.hpp>

#include "chat/stored_message.hpp"

namespace natter::chat {

// With query.after_id set: the oldest `limit` messages after it.
// Otherwise: the newest `limit` messages before query.before_id (0: none).
std::vector<StoredMessage> merge_history_page(const natter::HistoryQuery& query,
                                              std::span<const StoredMessage> stored,
                                              const std::deque<StoredMessage>* recent);

}  // namespace natter::chat
