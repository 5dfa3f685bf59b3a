#include "sqlite_db.hpp"

#include <algorithm>
#include <limits>

#include <sqlite3.h>

namespace natter::sqlite {

namespace {

constexpr int kSchemaVersion = 4;

// Statement reset on every exit path, so a failed step leaves it reusable.
class Reset {
 public:
  explicit Reset(sqlite3_stmt* s) : s_(s) {}
  ~Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

 private:
  sqlite3_stmt* s_;
};

std::string column_text(sqlite3_stmt* s, int column) {
  const auto* text = sqlite3_column_text(s, column);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<std::size_t>(sqlite3_column_bytes(s, column)))
              : std::string();
}

}  // namespace

SqliteDb::SqliteDb(const std::string& path, bool synchronous_full, int busy_timeout_ms) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError("cannot open " + path + ": " + why);
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  exec("PRAGMA journal_mode=WAL");
  exec(synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  // A deleted message's text is overwritten on disk, not left in free space.
  exec("PRAGMA secure_delete=ON");
  exec("CREATE TABLE IF NOT EXISTS natter_schema (version INTEGER NOT NULL)");
  int version = 0;
  {
    sqlite3_stmt* s = prepare("SELECT version FROM natter_schema");
    if (sqlite3_step(s) == SQLITE_ROW) version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
  }
  if (version > kSchemaVersion) {
    fail("database schema version " + std::to_string(version) +
         " is newer than this plugin understands (" + std::to_string(kSchemaVersion) + ")");
  }
  if (version < 1) {
    exec("BEGIN");
    exec("CREATE TABLE IF NOT EXISTS messages ("
         " id INTEGER PRIMARY KEY, room TEXT NOT NULL, sender TEXT NOT NULL,"
         " body TEXT NOT NULL, ts_ms INTEGER NOT NULL)");
    exec("CREATE INDEX IF NOT EXISTS messages_by_room ON messages (room, id)");
    exec("DELETE FROM natter_schema");
    exec("INSERT INTO natter_schema (version) VALUES (1)");
    exec("COMMIT");
  }
  if (version < 2) {
    // Room state (natter::RoomState): the broker's (room, key) -> value.
    exec("BEGIN");
    exec("CREATE TABLE IF NOT EXISTS room_state ("
         " room TEXT NOT NULL, state_key TEXT NOT NULL, value BLOB NOT NULL,"
         " PRIMARY KEY (room, state_key)) WITHOUT ROWID");
    exec("UPDATE natter_schema SET version = 2");
    exec("COMMIT");
  }
  if (version < 3) {
    // Edits and deletions (natter::MessageRevisions): each message's latest
    // revision, found by revision for recovery; and refs.
    exec("BEGIN");
    exec("ALTER TABLE messages ADD COLUMN revision INTEGER NOT NULL DEFAULT 0");
    exec("ALTER TABLE messages ADD COLUMN revised_ms INTEGER NOT NULL DEFAULT 0");
    exec("ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0");
    // The client's ref (natter::SentRefs), for answering retries after a restart.
    exec("ALTER TABLE messages ADD COLUMN ref TEXT NOT NULL DEFAULT ''");
    exec("CREATE INDEX IF NOT EXISTS messages_with_ref ON messages (id) WHERE ref <> ''");
    exec("CREATE INDEX IF NOT EXISTS messages_by_revision ON messages (room, revision) WHERE revision > 0");
    exec("UPDATE natter_schema SET version = 3");
    exec("COMMIT");
  }
  if (version < 4) {
    // What the broker keeps with a message (natter::MessageExtras): its attachments.
    exec("BEGIN");
    exec("ALTER TABLE messages ADD COLUMN extras TEXT NOT NULL DEFAULT ''");
    exec("UPDATE natter_schema SET version = 4");
    exec("COMMIT");
  }
  insert_ = prepare(
      "INSERT OR IGNORE INTO messages (id, room, sender, body, ts_ms, ref, extras) VALUES (?, ?, ?, ?, ?, ?, ?)");
  newest_before_ = prepare(
      "SELECT id, ts_ms, room, sender, body, revision, revised_ms, deleted FROM messages"
      " WHERE room = ? AND id < ? AND id > ? ORDER BY id DESC LIMIT ?");
  oldest_after_ = prepare(
      "SELECT id, ts_ms, room, sender, body, revision, revised_ms, deleted FROM messages"
      " WHERE room = ? AND id < ? AND id > ? ORDER BY id ASC LIMIT ?");
  find_message_ = prepare("SELECT sender, deleted FROM messages WHERE room = ? AND id = ?");
  // A deletion takes the message's extras (its attachments) with its text.
  revise_ = prepare(
      "UPDATE messages SET body = ?, revision = ?, revised_ms = ?, deleted = ?,"
      " extras = CASE WHEN ? THEN '' ELSE extras END WHERE id = ?");
  extras_of_ = prepare("SELECT extras FROM messages WHERE room = ? AND id = ? AND extras <> ''");
  // `revision > 0` lets SQLite use the partial index.
  revised_since_ = prepare(
      "SELECT id, ts_ms, room, sender, body, revision, revised_ms, deleted FROM messages"
      " WHERE room = ? AND revision > 0 AND revision > ? AND id <= ? ORDER BY revision LIMIT ?");
  count_unread_ = prepare(
      "SELECT count(*) FROM (SELECT 1 FROM messages"
      " WHERE room = ? AND id > ? AND sender <> ? AND deleted = 0 LIMIT ?)");
  put_state_ = prepare("INSERT OR REPLACE INTO room_state (room, state_key, value) VALUES (?, ?, ?)");
  erase_state_ = prepare("DELETE FROM room_state WHERE room = ? AND state_key = ?");
  erase_room_state_ = prepare("DELETE FROM room_state WHERE room = ?");
  erase_room_messages_ = prepare("DELETE FROM messages WHERE room = ?");
}

SqliteDb::~SqliteDb() {
  sqlite3_finalize(insert_);
  sqlite3_finalize(newest_before_);
  sqlite3_finalize(oldest_after_);
  sqlite3_finalize(put_state_);
  sqlite3_finalize(erase_state_);
  sqlite3_finalize(erase_room_state_);
  sqlite3_finalize(erase_room_messages_);
  sqlite3_finalize(find_message_);
  sqlite3_finalize(revise_);
  sqlite3_finalize(extras_of_);
  sqlite3_finalize(revised_since_);
  sqlite3_finalize(count_unread_);
  sqlite3_close(db_);
}

void SqliteDb::fail(const std::string& what) {
  throw SqliteError(what + ": " + sqlite3_errmsg(db_));
}

void SqliteDb::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string why = error ? error : "unknown error";
    sqlite3_free(error);
    throw SqliteError(std::string(sql).substr(0, 40) + ": " + why);
  }
}

sqlite3_stmt* SqliteDb::prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) fail("prepare");
  return s;
}

void SqliteDb::append_batch(const std::vector<Row>& rows) {
  exec("BEGIN IMMEDIATE");
  try {
    for (const Row& r : rows) {
      Reset reset(insert_);
      sqlite3_bind_int64(insert_, 1, static_cast<sqlite3_int64>(r.id));
      sqlite3_bind_text(insert_, 2, r.room.data(), static_cast<int>(r.room.size()), SQLITE_STATIC);
      sqlite3_bind_text(insert_, 3, r.sender.data(), static_cast<int>(r.sender.size()), SQLITE_STATIC);
      sqlite3_bind_text(insert_, 4, r.body.data(), static_cast<int>(r.body.size()), SQLITE_STATIC);
      sqlite3_bind_int64(insert_, 5, r.ts_ms);
      sqlite3_bind_text(insert_, 6, r.ref.data(), static_cast<int>(r.ref.size()), SQLITE_STATIC);
      sqlite3_bind_text(insert_, 7, r.extras.data(), static_cast<int>(r.extras.size()), SQLITE_STATIC);
      if (sqlite3_step(insert_) != SQLITE_DONE) fail("insert");
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<Row> SqliteDb::page(const std::string& room, std::uint64_t before_id,
                                std::uint64_t after_id, std::uint32_t limit) {
  sqlite3_stmt* s = after_id ? oldest_after_ : newest_before_;
  Reset reset(s);
  const auto upper = before_id ? before_id : static_cast<std::uint64_t>(std::numeric_limits<sqlite3_int64>::max());
  sqlite3_bind_text(s, 1, room.data(), static_cast<int>(room.size()), SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(upper));
  sqlite3_bind_int64(s, 3, static_cast<sqlite3_int64>(after_id));
  sqlite3_bind_int(s, 4, static_cast<int>(limit));
  std::vector<Row> rows = read_rows(s);
  if (!after_id) std::reverse(rows.begin(), rows.end());
  return rows;
}

std::vector<Row> SqliteDb::read_rows(sqlite3_stmt* s) {
  std::vector<Row> rows;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    rows.push_back({static_cast<std::uint64_t>(sqlite3_column_int64(s, 0)), sqlite3_column_int64(s, 1),
                    column_text(s, 2), column_text(s, 3), column_text(s, 4),
                    {static_cast<std::uint64_t>(sqlite3_column_int64(s, 5)), sqlite3_column_int64(s, 6),
                     sqlite3_column_int(s, 7) != 0},
                    {}});
  }
  if (rc != SQLITE_DONE) fail("history");
  return rows;
}

namespace {

void bind(sqlite3_stmt* s, int column, const std::string& text) {
  sqlite3_bind_text(s, column, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

}  // namespace

void SqliteDb::apply_state(const std::vector<StateRow>& changes) {
  exec("BEGIN IMMEDIATE");
  try {
    auto step = [&](sqlite3_stmt* s) {
      Reset reset(s);
      if (sqlite3_step(s) != SQLITE_DONE) fail("room state");
    };
    for (const StateRow& c : changes) {
      switch (c.op) {
        case natter::StateOp::put:
          bind(put_state_, 1, c.room);
          bind(put_state_, 2, c.key);
          sqlite3_bind_blob(put_state_, 3, c.value.data(), static_cast<int>(c.value.size()), SQLITE_STATIC);
          step(put_state_);
          break;
        case natter::StateOp::erase:
          bind(erase_state_, 1, c.room);
          bind(erase_state_, 2, c.key);
          step(erase_state_);
          break;
        case natter::StateOp::erase_room:
          bind(erase_room_state_, 1, c.room);
          step(erase_room_state_);
          bind(erase_room_messages_, 1, c.room);
          step(erase_room_messages_);
          break;
      }
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void SqliteDb::load_state(const std::function<void(const natter::StateEntry&)>& each) {
  sqlite3_stmt* s = prepare("SELECT room, state_key, value FROM room_state");
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const std::string room = column_text(s, 0), key = column_text(s, 1);
    const auto* value = static_cast<const char*>(sqlite3_column_blob(s, 2));
    each({room, key, std::string_view(value ? value : "", static_cast<std::size_t>(sqlite3_column_bytes(s, 2)))});
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) fail("load room state");
}

void SqliteDb::revise_batch(const std::vector<RevisionRow>& revisions, std::vector<natter::ErrorCode>& outcomes) {
  outcomes.assign(revisions.size(), natter::ErrorCode::none);
  exec("BEGIN IMMEDIATE");
  try {
    for (std::size_t i = 0; i < revisions.size(); ++i) {
      const RevisionRow& r = revisions[i];
      {
        Reset reset(find_message_);
        bind(find_message_, 1, r.room);
        sqlite3_bind_int64(find_message_, 2, static_cast<sqlite3_int64>(r.id));
        const int rc = sqlite3_step(find_message_);
        if (rc == SQLITE_DONE || (rc == SQLITE_ROW && sqlite3_column_int(find_message_, 1) != 0)) {
          outcomes[i] = natter::ErrorCode::not_found;
          continue;
        }
        if (rc != SQLITE_ROW) fail("find message");
        if (!r.author.empty() && column_text(find_message_, 0) != r.author) {
          outcomes[i] = natter::ErrorCode::forbidden;
          continue;
        }
      }
      Reset reset(revise_);
      bind(revise_, 1, r.body);
      sqlite3_bind_int64(revise_, 2, static_cast<sqlite3_int64>(r.mark.revision));
      sqlite3_bind_int64(revise_, 3, r.mark.revised_ms);
      sqlite3_bind_int(revise_, 4, r.mark.deleted ? 1 : 0);
      sqlite3_bind_int(revise_, 5, r.mark.deleted ? 1 : 0);
      sqlite3_bind_int64(revise_, 6, static_cast<sqlite3_int64>(r.id));
      if (sqlite3_step(revise_) != SQLITE_DONE) fail("revise");
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<Row> SqliteDb::revised_since(const std::string& room, std::uint64_t up_to, std::uint32_t limit) {
  Reset reset(revised_since_);
  bind(revised_since_, 1, room);
  sqlite3_bind_int64(revised_since_, 2, static_cast<sqlite3_int64>(up_to));
  sqlite3_bind_int64(revised_since_, 3, static_cast<sqlite3_int64>(up_to));
  sqlite3_bind_int(revised_since_, 4, static_cast<int>(limit));
  return read_rows(revised_since_);
}

std::uint32_t SqliteDb::count_unread(const std::string& room, std::uint64_t after_id, const std::string& reader,
                                     std::uint32_t cap) {
  Reset reset(count_unread_);
  bind(count_unread_, 1, room);
  sqlite3_bind_int64(count_unread_, 2, static_cast<sqlite3_int64>(after_id));
  bind(count_unread_, 3, reader);
  sqlite3_bind_int64(count_unread_, 4, cap);
  if (sqlite3_step(count_unread_) != SQLITE_ROW) fail("count unread");
  return static_cast<std::uint32_t>(sqlite3_column_int64(count_unread_, 0));
}

void SqliteDb::load_refs(std::uint32_t limit, const std::function<void(const natter::StoredRef&)>& each) {
  // `ref <> ''` lets SQLite walk the partial index, newest first.
  sqlite3_stmt* s = prepare("SELECT sender, ref, room, id, ts_ms FROM messages WHERE ref <> '' ORDER BY id DESC LIMIT ?");
  sqlite3_bind_int64(s, 1, limit);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const std::string sender = column_text(s, 0), ref = column_text(s, 1), room = column_text(s, 2);
    each({sender, ref, room, static_cast<std::uint64_t>(sqlite3_column_int64(s, 3)), sqlite3_column_int64(s, 4)});
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) fail("load refs");
}

std::vector<std::pair<std::uint64_t, std::string>> SqliteDb::extras_of(const std::string& room,
                                                                     const std::vector<std::uint64_t>& ids) {
  std::vector<std::pair<std::uint64_t, std::string>> found;
  for (std::uint64_t id : ids) {
    Reset reset(extras_of_);
    bind(extras_of_, 1, room);
    sqlite3_bind_int64(extras_of_, 2, static_cast<sqlite3_int64>(id));
    const int rc = sqlite3_step(extras_of_);
    if (rc == SQLITE_ROW) {
      found.emplace_back(id, column_text(extras_of_, 0));
    } else if (rc != SQLITE_DONE) {
      fail("extras");
    }
  }
  return found;
}

}  // namespace natter::sqlite
