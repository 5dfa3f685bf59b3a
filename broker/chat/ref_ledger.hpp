#pragma once
// Remembers which client refs already produced a message, so a send that
// is retried (same user, same ref; e.g. after a reconnect) is acked with
// the first id instead of being stored twice. Bounded: the oldest entries
// are forgotten first. Loop thread only.

#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

namespace natter::chat {

class RefLedger {
 public:
  struct Entry {
    bool done = false;           // false while the first send is in flight
    std::uint64_t id = 0;
    std::int64_t ts_ms = 0;
    std::string room;
    std::vector<std::uint64_t> waiting_sessions;  // retries awaiting the first
  };

  explicit RefLedger(std::size_t capacity) : capacity_(capacity) {}

  // nullptr if unseen.
  Entry* find(std::string_view user, std::string_view ref);
  // Starts tracking an in-flight send.
  Entry& begin(std::string_view user, std::string_view ref, std::string_view room);
  // A failed send is forgotten, so that a retry is a fresh attempt.
  void forget(std::string_view user, std::string_view ref);

 private:
  static std::string key(std::string_view user, std::string_view ref);

  std::size_t capacity_;
  std::list<std::string> order_;  // oldest first
  struct Slot {
    Entry entry;
    std::list<std::string>::iterator position;
  };
  std::unordered_map<std::string, Slot> entries_;
};

}  // namespace natter::chat
