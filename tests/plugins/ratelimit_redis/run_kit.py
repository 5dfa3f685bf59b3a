#!/usr/bin/python3
"""ratelimit_redis through natter-conformance ratelimit, on a real
redis-server started here (tests/fixtures/redis_server.py); then the same
kit with Redis gone, where on_error = "local" decides. The kit's exit code
is this script's.

    run_kit.py NATTER_CONFORMANCE PLUGIN_SO"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures"))
from redis_server import Redis  # noqa: E402

LIMITS = '["send per user 20/s burst 50", "join per user 2/s burst 5"]'


def kit(conformance, plugin, config_path, address, password):
    with open(config_path, "w") as f:
        f.write(f'limits = {LIMITS}\naddress = "{address}"\npassword = "{password}"\n'
                f'on_error = "local"\ntimeout_ms = 200\n')
    return subprocess.run([conformance, "ratelimit", "--plugin", plugin, "--config", config_path]).returncode


def main(conformance, plugin):
    redis = Redis()
    try:
        redis.start()
        config = os.path.join(redis.dir, "redis.toml")
        print(f"== with redis-server at {redis.address}", flush=True)
        if kit(conformance, plugin, config, redis.address, redis.password) != 0:
            return 1
        keys = redis.cli("--scan", "--pattern", "natter:rl:*").stdout.split()
        if not keys:
            print("FAILED: the kit passed, but no bucket was ever written to Redis", flush=True)
            return 1
        print(f"{len(keys)} buckets in Redis", flush=True)
        redis.stop()
        print("== with Redis stopped (on_error = local)", flush=True)
        return kit(conformance, plugin, config, redis.address, redis.password)
    finally:
        redis.close()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
