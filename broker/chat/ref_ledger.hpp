#pragma once
// Remembers which client refs already produced a message, so a send that
// is retried (same user, same ref; e.g. after a reconnect) is acked with
// the first id instead of being stored twice. Bounded: the oldest entries
// are forgotten first, in flight or not, so nothing that must be answered
// lives here (retries waiting on a send wait in the send itself). Every
// send asks it, so it is built to stay small in cache and to allocate
// nothing in steady state: a ring of records and an open-addressing index
// of 8-byte slots. Loop tasks only.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace natter::chat {

class RefLedger {
 public:
  struct Entry {
    // While the first send is in flight: its key (the pipeline's). Once it
    // is acked: 0, and id and ts_ms are the ones it got.
    std::uint64_t in_flight = 0;
    std::uint64_t id = 0;
    std::int64_t ts_ms = 0;
    std::string room;
  };

  explicit RefLedger(std::size_t capacity);

  // nullptr if unseen. The pointer is valid until the next begin() or forget().
  Entry* find(std::string_view user, std::string_view ref);
  // Starts tracking in-flight send `send_key` of a ref find() did not know.
  Entry& begin(std::string_view user, std::string_view ref, std::string_view room,
               std::uint64_t send_key);
  // Records a send acked before (as storage kept it, at start), unless
  // the ledger knows the ref already.
  void remember(std::string_view user, std::string_view ref, std::string_view room, std::uint64_t id,
                std::int64_t ts_ms);
  // A failed send is forgotten, so that a retry is a fresh attempt.
  void forget(std::string_view user, std::string_view ref);

 private:
  struct Record {
    std::uint64_t hash = 0;
    std::string key;  // user, '\0', ref: tells apart refs whose hashes collide
    bool live = false;
    Entry entry;
  };
  // An index slot: a record's position + 1 (0: empty) and its hash's low
  // half, which is both where it belongs and a cheap first comparison.
  struct Slot {
    std::uint32_t record = 0;
    std::uint32_t hash = 0;
  };

  static std::uint64_t hash_of(std::string_view user, std::string_view ref);
  // The index slot of (user, ref), or index_.size() if absent.
  std::size_t slot_of(std::uint64_t hash, std::string_view user, std::string_view ref) const;
  void insert_slot(std::uint32_t record, std::uint64_t hash);
  // Removes slot `at`, shifting back the slots that probed past it.
  void erase_slot(std::size_t at);
  // Doubles the index, up to twice the capacity.
  void grow_index();

  std::size_t capacity_;
  std::vector<Record> records_;  // a ring once full: records_[next_] is the oldest
  std::size_t next_ = 0;
  std::vector<Slot> index_;      // linear probing; a power of two, at most half full
  std::size_t live_ = 0;
};

}  // namespace natter::chat
