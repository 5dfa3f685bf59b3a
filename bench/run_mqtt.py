#!/usr/bin/python3
"""MQTT fan-out through natter against plain Mosquitto, same run, same
Mosquitto, same subscribers and messages (bench/loadgen/mqtt_fanout.cpp):
K subscribers each receive every one of M messages, QoS 1 on every leg.
Plain: Mosquitto fans one topic out. natter: devices in one room, natter
publishes each message to every device's own topic. Medians of repeats.

    bench/run_mqtt.py [--subscribers 100] [--messages 2000] [--repeats 3]"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("NATTER_BUILD_DIR", os.path.join(HERE, "..", "build"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
os.environ.setdefault("NATTERD", os.path.join(BUILD, "bin", "natterd"))

from natter_harness import Natterd  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--window", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="natter-bench-mqtt-")
    port = free_port()
    with open(f"{work}/mosquitto.conf", "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\nlog_dest topic\nlog_type notice\n"
                f"max_queued_messages 100000\nmax_inflight_messages 0\n"
                f"{'user root' if os.getuid() == 0 else ''}\n")
    broker = subprocess.Popen(["mosquitto", "-c", f"{work}/mosquitto.conf"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    server = Natterd(extra=f'\n[[transport]]\nplugin = "mqtt"\nbroker = "127.0.0.1:{port}"\nlinger_ms = 1000\n')
    server.start()
    time.sleep(1)
    results = {"plain": [], "natter": []}
    try:
        for _ in range(args.repeats):
            for mode in ("plain", "natter"):
                out = subprocess.run([os.path.join(BUILD, "bin", "natter_bench_mqtt"), "--broker", f"127.0.0.1:{port}",
                                      "--mode", mode, "--subscribers", str(args.subscribers), "--messages",
                                      str(args.messages), "--window", str(args.window)],
                                     capture_output=True, text=True, timeout=300)
                print(out.stdout.strip() or out.stderr.strip(), flush=True)
                match = re.search(r"per_s=(\d+)", out.stdout)
                if out.returncode == 0 and match:
                    results[mode].append(int(match.group(1)))
                time.sleep(2)  # the last run's devices leave (linger)
    finally:
        server.close()
        broker.terminate()
        broker.wait()
        shutil.rmtree(work, ignore_errors=True)
    plain, natter = (statistics.median(results[m]) if results[m] else 0 for m in ("plain", "natter"))
    print(f"{args.subscribers} subscribers x {args.messages} messages, median of {args.repeats}: "
          f"plain Mosquitto {plain:,.0f} deliveries/s, through natter {natter:,.0f} "
          f"({natter / plain if plain else 0:.2f}x)")


if __name__ == "__main__":
    main()
