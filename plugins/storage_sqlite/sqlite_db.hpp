#pragma once
// A thin RAII layer over one SQLite connection and the natter schema.
// Not thread-safe: used only by the store's worker thread.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <functional>

#include <natter/storage.hpp>

struct sqlite3;
struct sqlite3_stmt;

namespace natter::sqlite {

class SqliteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Row {
  std::uint64_t id;
  std::int64_t ts_ms;
  std::string room, sender, body;
  natter::MessageMark mark{};
  std::string ref;  // the client's, if it gave one (natter::SentRefs)
  std::string extras{};  // natter::MessageExtras
  natter::MessageView view() const noexcept { return {id, ts_ms, room, sender, body}; }
};

// One edit or deletion (natter::Revision), owned.
struct RevisionRow {
  std::string room, author, body;
  std::uint64_t id = 0;
  natter::MessageMark mark{};
};

// One room state change (natter::StateChange), owned.
struct StateRow {
  natter::StateOp op;
  std::string room, key, value;
};

class SqliteDb {
 public:
  // Opens (creating) `path` in WAL mode and creates or migrates the schema.
  SqliteDb(const std::string& path, bool synchronous_full, int busy_timeout_ms);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Inserts every message in one transaction; an id already stored is
  // left as it is. All or nothing.
  void append_batch(const std::vector<Row>& rows);
  // See natter::HistoryQuery. Oldest first.
  std::vector<Row> page(const std::string& room, std::uint64_t before_id, std::uint64_t after_id,
                        std::uint32_t limit);
  // Applies every change, in order, in one transaction. All or nothing.
  void apply_state(const std::vector<StateRow>& changes);
  // Every room state entry, to `each`.
  void load_state(const std::function<void(const natter::StateEntry&)>& each);
  // Applies the revisions in one transaction, each one's outcome into
  // `outcomes` (none, not_found or forbidden). All or nothing.
  void revise_batch(const std::vector<RevisionRow>& revisions, std::vector<natter::ErrorCode>& outcomes);
  // See natter::MessageRevisions::revised_since.
  std::vector<Row> revised_since(const std::string& room, std::uint64_t up_to, std::uint32_t limit);
  // The newest `limit` messages stored with a ref, newest first, to `each`.
  void load_refs(std::uint32_t limit, const std::function<void(const natter::StoredRef&)>& each);
  // See natter::UnreadCounts::count.
  std::uint32_t count_unread(const std::string& room, std::uint64_t after_id, const std::string& reader,
                             std::uint32_t cap);
  // See natter::MessageExtras::extras_of: (id, extras) of those that have some.
  std::vector<std::pair<std::uint64_t, std::string>> extras_of(const std::string& room,
                                                               const std::vector<std::uint64_t>& ids);

 private:
  std::vector<Row> read_rows(sqlite3_stmt* s);
  void exec(const char* sql);
  sqlite3_stmt* prepare(const char* sql);
  [[noreturn]] void fail(const std::string& what);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* newest_before_ = nullptr;
  sqlite3_stmt* oldest_after_ = nullptr;
  sqlite3_stmt* put_state_ = nullptr;
  sqlite3_stmt* erase_state_ = nullptr;
  sqlite3_stmt* erase_room_state_ = nullptr;
  sqlite3_stmt* erase_room_messages_ = nullptr;
  sqlite3_stmt* find_message_ = nullptr;
  sqlite3_stmt* revise_ = nullptr;
  sqlite3_stmt* revised_since_ = nullptr;
  sqlite3_stmt* count_unread_ = nullptr;
  sqlite3_stmt* extras_of_ = nullptr;
};

}  // namespace natter::sqlite
