#!/usr/bin/python3
"""pubsub_redis through natter-conformance pubsub, on a real redis-server
started here (tests/fixtures/redis_server.py). The kit's outage is a real
restart: its --outage command shuts Redis down, a watcher here starts it
again on the same port, and the command returns once it answers. The
kit's exit code is this script's.

    run_kit.py NATTER_CONFORMANCE PLUGIN_SO"""

import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures"))
from redis_server import Redis  # noqa: E402
from restarter import Restarter  # noqa: E402


def main(conformance, plugin):
    redis = Redis()
    watcher = None
    try:
        redis.start()
        config = os.path.join(redis.dir, "pubsub.toml")
        with open(config, "w") as f:
            f.write(f'address = "{redis.address}"\npassword = "{redis.password}"\n'
                    f'timeout_ms = 500\nreconnect_max_ms = 500\n')
        cli = f"redis-cli -p {redis.port} --no-auth-warning -a {shlex.quote(redis.password)}"
        outage = (f"{cli} SHUTDOWN NOSAVE >/dev/null 2>&1; sleep 0.2; "
                  f"for i in $(seq 200); do {cli} PING 2>/dev/null | grep -q PONG && exit 0; sleep 0.1; done; exit 1")
        watcher = Restarter(redis)
        print(f"== with redis-server at {redis.address}", flush=True)
        code = subprocess.run([*os.environ.get("NATTER_KIT_WRAPPER", "").split(), conformance, "pubsub",
                               "--plugin", plugin, "--config", config, "--outage", outage]).returncode
        print(f"natter-conformance exited with {code}", flush=True)
        return code
    finally:
        if watcher is not None:
            watcher.close()
        redis.close()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
