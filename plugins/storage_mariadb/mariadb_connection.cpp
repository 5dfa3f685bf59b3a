#include "mariadb_connection.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <mutex>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

namespace natter::mariadb {

namespace {

constexpr int kSchemaVersion = 4;
// Batches are inserted in chunks of these sizes, so at most this many
// statements are prepared per connection whatever the batch size.
constexpr std::array<std::size_t, 5> kChunkSizes = {256, 64, 16, 4, 1};

bool is_connection_error(unsigned code) {
  switch (code) {
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_LOST_EXTENDED:
    case CR_COMMANDS_OUT_OF_SYNC:
    case ER_CONNECTION_KILLED:
    case ER_SERVER_SHUTDOWN:
    case ER_QUERY_INTERRUPTED:
      return true;
    default:
      return false;
  }
}

void library_init() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

}  // namespace

Connection::Connection(const ServerAddress& server, const MariadbSettings& s) : label_(server.label()) {
  library_init();
  db_ = mysql_init(nullptr);
  if (!db_) throw DbError("out of memory", 0, true);
  unsigned connect = s.connect_timeout_s, io = s.io_timeout_s;
  mysql_optionsv(db_, MYSQL_OPT_CONNECT_TIMEOUT, &connect);
  mysql_optionsv(db_, MYSQL_OPT_READ_TIMEOUT, &io);
  mysql_optionsv(db_, MYSQL_OPT_WRITE_TIMEOUT, &io);
  mysql_optionsv(db_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!mysql_real_connect(db_, server.host.c_str(), s.user.c_str(), s.password.c_str(),
                          server.database.c_str(), server.port, nullptr, 0)) {
    std::string why = mysql_error(db_);
    unsigned code = mysql_errno(db_);
    mysql_close(db_);
    db_ = nullptr;
    // Wrong credentials or database will not fix themselves by retrying,
    // but the operator may be fixing them right now: retry all the same.
    throw DbError("cannot connect to " + label_ + ": " + why, code, true);
  }
}

Connection::~Connection() {
  for (auto& [rows, statement] : inserts_) mysql_stmt_close(statement);
  if (db_) mysql_close(db_);
}

void Connection::fail(const std::string& what) {
  const unsigned code = mysql_errno(db_);
  throw DbError(label_ + ": " + what + ": " + mysql_error(db_), code, is_connection_error(code));
}

void Connection::fail_statement(st_mysql_stmt* statement, const std::string& what) {
  const unsigned code = mysql_stmt_errno(statement);
  throw DbError(label_ + ": " + what + ": " + mysql_stmt_error(statement), code, is_connection_error(code));
}

void Connection::query(const std::string& sql) {
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0) fail(sql.substr(0, 60));
  if (MYSQL_RES* result = mysql_store_result(db_)) mysql_free_result(result);
}

void Connection::migrate() {
  query("SELECT GET_LOCK('natter_schema_migration', 30)");
  try {
    query("CREATE TABLE IF NOT EXISTS natter_schema (version INT NOT NULL) ENGINE=InnoDB");
    int version = 0;
    if (mysql_real_query(db_, "SELECT MAX(version) FROM natter_schema", 38) != 0) fail("read schema version");
    if (MYSQL_RES* result = mysql_store_result(db_)) {
      if (MYSQL_ROW row = mysql_fetch_row(result); row && row[0]) version = std::atoi(row[0]);
      mysql_free_result(result);
    }
    if (version > kSchemaVersion) {
      throw DbError(label_ + ": schema version " + std::to_string(version) +
                        " is newer than this plugin understands (" + std::to_string(kSchemaVersion) + ")",
                    0, false);
    }
    if (version < 1) {
      // Binary room/sender/body: bytes in are bytes out, whatever the
      // server's collation; (room, id) serves every history page.
      query("CREATE TABLE IF NOT EXISTS messages ("
            " id BIGINT UNSIGNED NOT NULL PRIMARY KEY,"
            " room VARBINARY(1024) NOT NULL,"
            " sender VARBINARY(255) NOT NULL,"
            " body MEDIUMBLOB NOT NULL,"
            " ts_ms BIGINT NOT NULL,"
            " KEY messages_by_room (room, id)) ENGINE=InnoDB");
      query("DELETE FROM natter_schema");
      query("INSERT INTO natter_schema (version) VALUES (1)");
      version = 1;
    }
    if (version < 2) {
      // Room state (natter::RoomState), on the shard of its room.
      query("CREATE TABLE IF NOT EXISTS room_state ("
            " room VARBINARY(1024) NOT NULL,"
            " state_key VARBINARY(1024) NOT NULL,"
            " value MEDIUMBLOB NOT NULL,"
            " PRIMARY KEY (room, state_key)) ENGINE=InnoDB");
      query("DELETE FROM natter_schema");
      query("INSERT INTO natter_schema (version) VALUES (2)");
      version = 2;
    }
    if (version < 3) {
      // Edits and deletions (natter::MessageRevisions): each message's
      // latest revision, found by revision for recovery; and the client's
      // ref (natter::SentRefs).
      query("ALTER TABLE messages ADD COLUMN IF NOT EXISTS revision BIGINT UNSIGNED NOT NULL DEFAULT 0,"
            " ADD COLUMN IF NOT EXISTS revised_ms BIGINT NOT NULL DEFAULT 0,"
            " ADD COLUMN IF NOT EXISTS deleted TINYINT NOT NULL DEFAULT 0,"
            " ADD COLUMN IF NOT EXISTS ref VARBINARY(255) NOT NULL DEFAULT '',"
            " ADD KEY IF NOT EXISTS messages_by_revision (room, revision)");
      query("DELETE FROM natter_schema");
      query("INSERT INTO natter_schema (version) VALUES (3)");
    }
    if (version < 4) {
      // What the broker keeps with a message (natter::MessageExtras): its attachments.
      query("ALTER TABLE messages ADD COLUMN IF NOT EXISTS extras BLOB NOT NULL DEFAULT ''");
      query("DELETE FROM natter_schema");
      query("INSERT INTO natter_schema (version) VALUES (4)");
    }
  } catch (...) {
    mysql_query(db_, "SELECT RELEASE_LOCK('natter_schema_migration')");
    if (MYSQL_RES* result = mysql_store_result(db_)) mysql_free_result(result);
    throw;
  }
  query("SELECT RELEASE_LOCK('natter_schema_migration')");
}

st_mysql_stmt* Connection::insert_statement(std::size_t rows) {
  if (auto it = inserts_.find(rows); it != inserts_.end()) return it->second;
  std::string sql = "INSERT INTO messages (id, room, sender, body, ts_ms, ref, extras) VALUES ";
  for (std::size_t i = 0; i < rows; ++i) sql += i ? ",(?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?)";
  sql += " ON DUPLICATE KEY UPDATE id = id";
  MYSQL_STMT* statement = mysql_stmt_init(db_);
  if (!statement) fail("mysql_stmt_init");
  if (mysql_stmt_prepare(statement, sql.data(), sql.size()) != 0) {
    try {
      fail_statement(statement, "prepare insert");
    } catch (...) {
      mysql_stmt_close(statement);
      throw;
    }
  }
  inserts_.emplace(rows, statement);
  return statement;
}

void Connection::insert_chunk(const Row* rows, std::size_t count) {
  MYSQL_STMT* statement = insert_statement(count);
  constexpr std::size_t kColumns = 7;
  std::vector<MYSQL_BIND> binds(count * kColumns);
  std::vector<unsigned long> lengths(count * 5);
  for (std::size_t i = 0; i < count; ++i) {
    const Row& r = rows[i];
    MYSQL_BIND* b = &binds[i * kColumns];
    unsigned long* len = &lengths[i * 5];
    b[0].buffer_type = MYSQL_TYPE_LONGLONG;
    b[0].buffer = const_cast<std::uint64_t*>(&r.id);
    b[0].is_unsigned = 1;
    const std::string* texts[3] = {&r.room, &r.sender, &r.body};
    for (int t = 0; t < 3; ++t) {
      len[t] = texts[t]->size();
      b[1 + t].buffer_type = MYSQL_TYPE_BLOB;
      b[1 + t].buffer = const_cast<char*>(texts[t]->data());
      b[1 + t].buffer_length = len[t];
      b[1 + t].length = &len[t];
    }
    b[4].buffer_type = MYSQL_TYPE_LONGLONG;
    b[4].buffer = const_cast<std::int64_t*>(&r.ts_ms);
    len[3] = r.ref.size();
    b[5].buffer_type = MYSQL_TYPE_BLOB;
    b[5].buffer = const_cast<char*>(r.ref.data());
    b[5].buffer_length = len[3];
    b[5].length = &len[3];
    len[4] = r.extras.size();
    b[6].buffer_type = MYSQL_TYPE_BLOB;
    b[6].buffer = const_cast<char*>(r.extras.data());
    b[6].buffer_length = len[4];
    b[6].length = &len[4];
  }
  if (mysql_stmt_bind_param(statement, binds.data()) != 0) fail_statement(statement, "bind insert");
  if (mysql_stmt_execute(statement) != 0) fail_statement(statement, "insert");
}

void Connection::insert(const std::vector<Row>& rows) {
  query("START TRANSACTION");
  try {
    std::size_t done = 0;
    for (std::size_t chunk : kChunkSizes) {
      while (rows.size() - done >= chunk) {
        insert_chunk(rows.data() + done, chunk);
        done += chunk;
      }
    }
    query("COMMIT");
  } catch (const DbError& e) {
    if (!e.connection_lost()) mysql_query(db_, "ROLLBACK");
    throw;
  }
}

std::vector<Row> Connection::page(const std::string& room, std::uint64_t before_id, std::uint64_t after_id,
                                  std::uint32_t limit) {
  const std::uint64_t upper = before_id ? before_id : std::numeric_limits<std::uint64_t>::max();
  // Without the hint the optimizer picks `ref` on room alone and walks back
  // from the newest message to `before`: deep pages cost O(depth).
  auto page = rows("SELECT id, ts_ms, room, sender, body, revision, revised_ms, deleted FROM messages"
                   " FORCE INDEX (messages_by_room) WHERE room = " + hex(room) +
                       " AND id < " + std::to_string(upper) + " AND id > " + std::to_string(after_id) +
                       (after_id ? " ORDER BY id ASC" : " ORDER BY id DESC") + " LIMIT " + std::to_string(limit),
                   "history");
  if (!after_id) std::reverse(page.begin(), page.end());
  return page;
}

std::vector<Row> Connection::rows(const std::string& sql, const char* what) {
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0) fail(what);
  MYSQL_RES* result = mysql_store_result(db_);
  if (!result) fail(what);
  std::vector<Row> found;
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    unsigned long* len = mysql_fetch_lengths(result);
    found.push_back({std::stoull(row[0]), std::stoll(row[1]), std::string(row[2], len[2]),
                     std::string(row[3], len[3]), std::string(row[4], len[4]),
                     {std::stoull(row[5]), std::stoll(row[6]), row[7][0] != '0'},
                     {}});
  }
  mysql_free_result(result);
  return found;
}

void Connection::revise(const std::vector<RevisionRow>& revisions, std::vector<natter::ErrorCode>& outcomes) {
  outcomes.assign(revisions.size(), natter::ErrorCode::none);
  query("START TRANSACTION");
  try {
    for (std::size_t i = 0; i < revisions.size(); ++i) {
      const RevisionRow& r = revisions[i];
      const std::string where = " WHERE room = " + hex(r.room) + " AND id = " + std::to_string(r.id);
      const std::string select = "SELECT sender, deleted FROM messages" + where + " FOR UPDATE";
      if (mysql_real_query(db_, select.data(), select.size()) != 0) fail("find message");
      MYSQL_RES* result = mysql_store_result(db_);
      if (!result) fail("find message");
      MYSQL_ROW row = mysql_fetch_row(result);
      std::string sender;
      bool gone = !row || row[1][0] != '0';
      if (row) sender.assign(row[0], mysql_fetch_lengths(result)[0]);
      mysql_free_result(result);
      if (gone) {
        outcomes[i] = natter::ErrorCode::not_found;
      } else if (!r.author.empty() && sender != r.author) {
        outcomes[i] = natter::ErrorCode::forbidden;
      } else {
        query("UPDATE messages SET body = " + hex(r.body) + ", revision = " + std::to_string(r.mark.revision) +
              ", revised_ms = " + std::to_string(r.mark.revised_ms) + ", deleted = " + (r.mark.deleted ? "1" : "0") +
              // A deletion takes the message's extras (its attachments) with its text.
              (r.mark.deleted ? ", extras = ''" : "") + where);
      }
    }
    query("COMMIT");
  } catch (const DbError& e) {
    if (!e.connection_lost()) mysql_query(db_, "ROLLBACK");
    throw;
  }
}

std::vector<Row> Connection::revised_since(const std::string& room, std::uint64_t up_to, std::uint32_t limit) {
  return rows("SELECT id, ts_ms, room, sender, body, revision, revised_ms, deleted FROM messages"
              " FORCE INDEX (messages_by_revision) WHERE room = " + hex(room) + " AND revision > " +
                  std::to_string(up_to) + " AND id <= " + std::to_string(up_to) + " ORDER BY revision LIMIT " +
                  std::to_string(limit),
              "revised messages");
}

void Connection::load_refs(std::uint32_t limit, const std::function<void(const natter::StoredRef&)>& each) {
  const std::string sql = "SELECT sender, ref, room, id, ts_ms FROM messages WHERE ref <> '' ORDER BY id DESC LIMIT " +
                          std::to_string(limit);
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0) fail("load refs");
  MYSQL_RES* result = mysql_store_result(db_);
  if (!result) fail("load refs");
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    unsigned long* len = mysql_fetch_lengths(result);
    each({std::string_view(row[0], len[0]), std::string_view(row[1], len[1]), std::string_view(row[2], len[2]),
          std::stoull(row[3]), std::stoll(row[4])});
  }
  mysql_free_result(result);
}

std::uint32_t Connection::count_unread(const std::string& room, std::uint64_t after_id, const std::string& reader,
                                       std::uint32_t cap) {
  const std::string sql = "SELECT COUNT(*) FROM (SELECT 1 FROM messages FORCE INDEX (messages_by_room) WHERE room = " +
                          hex(room) + " AND id > " + std::to_string(after_id) + " AND sender <> " + hex(reader) +
                          " AND deleted = 0 LIMIT " + std::to_string(cap) + ") counted";
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0) fail("count unread");
  MYSQL_RES* result = mysql_store_result(db_);
  if (!result) fail("count unread");
  MYSQL_ROW row = mysql_fetch_row(result);
  const std::uint32_t count = row && row[0] ? static_cast<std::uint32_t>(std::stoul(row[0])) : 0;
  mysql_free_result(result);
  return count;
}

std::string Connection::hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out = "X'";
  out.reserve(bytes.size() * 2 + 3);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out + "'";
}

void Connection::apply_state(const std::vector<StateRow>& changes) {
  query("START TRANSACTION");
  try {
    for (const StateRow& c : changes) {
      switch (c.op) {
        case natter::StateOp::put:
          query("REPLACE INTO room_state (room, state_key, value) VALUES (" + hex(c.room) + "," + hex(c.key) + "," +
                hex(c.value) + ")");
          break;
        case natter::StateOp::erase:
          query("DELETE FROM room_state WHERE room = " + hex(c.room) + " AND state_key = " + hex(c.key));
          break;
        case natter::StateOp::erase_room:
          query("DELETE FROM room_state WHERE room = " + hex(c.room));
          query("DELETE FROM messages WHERE room = " + hex(c.room));
          break;
      }
    }
    query("COMMIT");
  } catch (const DbError& e) {
    if (!e.connection_lost()) mysql_query(db_, "ROLLBACK");
    throw;
  }
}

void Connection::load_state(const std::function<void(const natter::StateEntry&)>& each) {
  static constexpr std::string_view kSelect = "SELECT room, state_key, value FROM room_state";
  if (mysql_real_query(db_, kSelect.data(), kSelect.size()) != 0) fail("load room state");
  MYSQL_RES* result = mysql_use_result(db_);
  if (!result) fail("load room state");
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    unsigned long* len = mysql_fetch_lengths(result);
    each({std::string_view(row[0], len[0]), std::string_view(row[1], len[1]), std::string_view(row[2], len[2])});
  }
  const bool failed = mysql_errno(db_) != 0;
  mysql_free_result(result);
  if (failed) fail("load room state");
}

std::vector<std::pair<std::uint64_t, std::string>> Connection::extras_of(const std::string& room,
                                                                       const std::vector<std::uint64_t>& ids) {
  std::vector<std::pair<std::uint64_t, std::string>> found;
  if (ids.empty()) return found;
  std::string sql = "SELECT id, extras FROM messages WHERE room = " + hex(room) + " AND extras <> '' AND id IN (";
  for (std::size_t i = 0; i < ids.size(); ++i) sql += (i ? "," : "") + std::to_string(ids[i]);
  sql += ")";
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0) fail("read extras");
  MYSQL_RES* result = mysql_store_result(db_);
  if (!result) fail("read extras");
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    unsigned long* len = mysql_fetch_lengths(result);
    found.emplace_back(std::stoull(row[0]), std::string(row[1], len[1]));
  }
  mysql_free_result(result);
  return found;
}

}  // namespace natter::mariadb
