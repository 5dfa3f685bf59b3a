#pragma once
// One MariaDB connection (MariaDB Connector/C) and what natter does with
// it: migrate the schema, insert a batch in one transaction, read a page.
// Not thread-safe: each worker thread owns its connections. A connection
// that failed is thrown away and replaced, which also re-prepares its
// statements.

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <functional>

#include <natter/storage.hpp>

#include "mariadb_config.hpp"

struct st_mysql;
struct st_mysql_stmt;

namespace natter::mariadb {

class DbError : public std::runtime_error {
 public:
  DbError(const std::string& what, unsigned code, bool connection_lost)
      : std::runtime_error(what), code_(code), connection_lost_(connection_lost) {}
  unsigned code() const noexcept { return code_; }
  // The link to the server is gone or unusable: reconnect, then retry.
  bool connection_lost() const noexcept { return connection_lost_; }

 private:
  unsigned code_;
  bool connection_lost_;
};

struct Row {
  std::uint64_t id = 0;
  std::int64_t ts_ms = 0;
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

class Connection {
 public:
  // Connects with the configured timeouts; throws DbError.
  Connection(const ServerAddress& server, const MariadbSettings& settings);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Creates or upgrades the schema, under a server-side lock so nodes
  // starting together do not race.
  void migrate();
  // Inserts every row in one transaction; a row whose id is stored already
  // is left alone (replays are harmless). Throws DbError.
  void insert(const std::vector<Row>& rows);
  // See natter::HistoryQuery; oldest first. Throws DbError.
  std::vector<Row> page(const std::string& room, std::uint64_t before_id, std::uint64_t after_id,
                        std::uint32_t limit);
  // Applies every change in order, in one transaction. Throws DbError.
  void apply_state(const std::vector<StateRow>& changes);
  // Every room state entry on this server, to `each`. Throws DbError.
  void load_state(const std::function<void(const natter::StateEntry&)>& each);
  // Applies the revisions in one transaction, each one's outcome into
  // `outcomes` (none, not_found or forbidden). Throws DbError.
  void revise(const std::vector<RevisionRow>& revisions, std::vector<natter::ErrorCode>& outcomes);
  // See natter::MessageRevisions::revised_since. Throws DbError.
  std::vector<Row> revised_since(const std::string& room, std::uint64_t up_to, std::uint32_t limit);
  // The newest `limit` messages on this server stored with a ref, newest
  // first, to `each`. Throws DbError.
  void load_refs(std::uint32_t limit, const std::function<void(const natter::StoredRef&)>& each);
  // See natter::UnreadCounts::count. Throws DbError.
  // See natter::MessageExtras::extras_of: (id, extras) of those that have some.
  std::vector<std::pair<std::uint64_t, std::string>> extras_of(const std::string& room,
                                                               const std::vector<std::uint64_t>& ids);
  std::uint32_t count_unread(const std::string& room, std::uint64_t after_id, const std::string& reader,
                             std::uint32_t cap);

 private:
  void query(const std::string& sql);
  // Runs a SELECT of (id, ts_ms, room, sender, body, revision, revised_ms, deleted).
  std::vector<Row> rows(const std::string& sql, const char* what);
  // `bytes` as a SQL hex literal (X'..'): exact for any bytes, no escaping.
  static std::string hex(std::string_view bytes);
  st_mysql_stmt* insert_statement(std::size_t rows);
  void insert_chunk(const Row* rows, std::size_t count);
  [[noreturn]] void fail(const std::string& what);
  [[noreturn]] void fail_statement(st_mysql_stmt* statement, const std::string& what);

  st_mysql* db_ = nullptr;
  std::string label_;
  std::map<std::size_t, st_mysql_stmt*> inserts_;  // prepared, by rows per statement
};

}  // namespace natter::mariadb
