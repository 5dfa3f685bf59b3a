#include "mariadb_config.hpp"
#include "mariadb_store.hpp"

NATTER_PLUGIN(storage, natter::mariadb::MariadbStore, "mariadb", "0.1.0",
              "History in MariaDB: batched commits, outage-tolerant, optionally sharded by room",
              natter::mariadb::mariadb_keys())
