"""Runs the SDK's storage conformance kit (natter-conformance) on a bundled
storage plugin, against a real backend this script starts and removes.

    run_storage_conformance.py sqlite|mariadb|mariadb-sharded
"""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures"))

BUILD = os.environ["NATTER_BUILD_DIR"]


def main(variant):
    with tempfile.TemporaryDirectory(prefix="natter-conformance-") as work:
        config = os.path.join(work, "storage.toml")
        server = None
        if variant == "sqlite":
            plugin = "sqlite"
            text = f'path = "{work}/conformance.db"\nsynchronous = "normal"\n'
        else:
            from mariadb_server import MariaDB, PASSWORD, USER
            plugin = "mariadb"
            server = MariaDB(databases=("natter", "natter_b")).start()
            servers = [f"127.0.0.1:{server.port}"]
            if variant == "mariadb-sharded":
                servers.append(f"127.0.0.1:{server.port}/natter_b")
            text = (f"servers = {servers!r}\nuser = \"{USER}\"\npassword = \"{PASSWORD}\"\n"
                    .replace("'", '"'))
        with open(config, "w") as f:
            f.write(text)
        try:
            code = subprocess.run([os.path.join(BUILD, "bin", "natter-conformance"), "storage",
                                   "--plugin", plugin, "--config", config]).returncode
            if variant == "mariadb-sharded":
                rows = {db: int(server.sql("SELECT COUNT(*) FROM messages", database=db).stdout)
                        for db in ("natter", "natter_b")}
                print(f"rows per shard: {rows}")
                if min(rows.values()) == 0:
                    print("FAILED: sharding left a shard empty")
                    code = 1
            return code
        finally:
            if server:
                server.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
