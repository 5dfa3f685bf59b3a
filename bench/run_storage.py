#!/usr/bin/python3
"""Runs the storage benchmark on SQLite and on a private MariaDB server
(started here in a temp dir, like the tests do), and prints both.

    bench/run_storage.py [--messages 1000000] [sqlite] [mariadb]
"""

import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
BUILD = os.environ.get("NATTER_BUILD_DIR", os.path.join(HERE, "..", "build"))


def run(plugin, table, messages):
    with tempfile.TemporaryDirectory(prefix="natter-bench-") as work:
        config = os.path.join(work, "storage.toml")
        with open(config, "w") as f:
            f.write(table(work))
        subprocess.run([os.path.join(BUILD, "bin", "natter_bench_storage"), "--plugin", plugin,
                        "--config", config, "--messages", str(messages)], check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("plugins", nargs="*", default=["sqlite", "mariadb"])
    args = parser.parse_args()
    if "sqlite" in args.plugins:
        run("sqlite", lambda work: f'path = "{work}/bench.db"\n', args.messages)
    if "mariadb" in args.plugins:
        from mariadb_server import MariaDB, PASSWORD, USER
        server = MariaDB().start()
        try:
            run("mariadb", lambda work: f'servers = ["127.0.0.1:{server.port}"]\nuser = "{USER}"\n'
                                        f'password = "{PASSWORD}"\nbatch_max = 2000\n', args.messages)
        finally:
            server.close()


if __name__ == "__main__":
    main()
