#include "sqlite_store.hpp"

NATTER_PLUGIN(storage, natter::sqlite::SqliteStore, "sqlite", "0.1.0",
              "Embedded history in SQLite (WAL, batched commits on its own thread)",
              natter::sqlite::SqliteStore::keys())
