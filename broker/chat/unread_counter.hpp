#pragma once
// Unread counts for `joined` and `list_rooms`: per room, the messages by
// others after the user's read marker, counted by storage up to kCountMax.
// Without a storage that counts (natter::UnreadCounts) every count is -1,
// "not known", at once. Loop thread only; storage answers on any thread
// and hops here.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <natter/storage.hpp>

#include "runtime/executor.hpp"

namespace natter::chat {

class UnreadCounter {
 public:
  // Counting stops here: a count this high means "at least this many".
  static constexpr std::uint32_t kCountMax = 1000;

  struct Ask {
    std::string room;
    std::uint64_t read_up_to = 0;  // the reader's marker; 0: none
    std::string reader;
  };
  // One count per ask, in order; -1 where not known.
  using Counted = std::function<void(std::vector<std::int64_t>)>;

  // Borrows both; `counts` may be null.
  UnreadCounter(natter::UnreadCounts* counts, runtime::Executor& loop) : counts_(counts), loop_(loop) {}

  bool counts() const noexcept { return counts_ != nullptr; }
  // Calls `then` on the loop: inline without a counting storage, else
  // when storage answers.
  void count(const std::vector<Ask>& asks, Counted then);

 private:
  natter::UnreadCounts* counts_;
  runtime::Executor& loop_;
};

}  // namespace natter::chat
