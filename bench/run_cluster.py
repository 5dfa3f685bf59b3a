#!/usr/bin/python3
"""Delivery across nodes, side by side: natter nodes joined by pubsub_redis
(one MariaDB for all, acks after the commit, as config/examples/
50-cluster-redis.toml sets a node up) and socket.io nodes joined by socket.io's
own Redis adapter, on the same redis-server, driven by the same
natter_loadgen with the same arguments in the same run, for each node
count. Subscriber i connects to node i % nodes and the publishers to the
first node, so with 3 nodes two thirds of the deliveries cross Redis.
Latency runs from a message's scheduled send to its arrival at a
subscriber; "cross" is that of the deliveries to the other nodes only. Prints each run's JSON line, then medians and natter's figures
as ratios to socket.io's.

    bench/run_cluster.py [--nodes 1,3] [--repeat 3] [--servers natter,node-socketio]
                         -- --subscribers 300 --messages 3000 --window 16

Needs redis-server, mariadb-server and node (packaging/build-deps.sh
--bench); the socket.io peer installs its pinned npm packages
(bench/peers/node_socketio/package.json) on first use.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
from mariadb_server import PASSWORD, USER, MariaDB  # noqa: E402
from redis_server import Redis  # noqa: E402
from run_fanout import BUILD, LOADGEN, free_port, medians, start_node_peer, wait_listening  # noqa: E402

NATTERD = os.path.join(BUILD, "bin", "natterd")


def start_natter_node(work, port, node_id, redis, db):
    config = os.path.join(work, f"node{node_id}.toml")
    with open(config, "w") as f:
        f.write(f'[broker]\nlog_level = "warn"\nnode_id = {node_id}\nack_after = "persisted"\n'
                f'admin_listen = "127.0.0.1:{free_port(taken={port})}"\n'
                f'[storage]\nplugin = "mariadb"\nservers = ["127.0.0.1:{db.port}"]\n'
                f'user = "{USER}"\npassword = "{PASSWORD}"\n'
                f'[pubsub]\nplugin = "redis"\naddress = "{redis.address}"\npassword = "{redis.password}"\n'
                f'[[transport]]\nplugin = "websocket"\nlisten = "127.0.0.1:{port}"\n')
    return subprocess.Popen([NATTERD, "--config", config])


def start_socketio_node(work, port, node_id, redis, db):
    return start_node_peer("node_socketio", port, f"redis://:{redis.password}@{redis.address}")


SERVERS = {"natter": (start_natter_node, []), "node-socketio": (start_socketio_node, ["--protocol", "socketio"])}


def measure(name, nodes, loadgen_args, redis, db):
    start, protocol = SERVERS[name]
    if name == "natter":  # every run starts from an empty history
        db.sql("DROP DATABASE IF EXISTS natter; CREATE DATABASE natter")
    with tempfile.TemporaryDirectory(prefix="natter-bench-cluster-") as work:
        processes, urls = [], []
        try:
            for node_id in range(1, nodes + 1):
                port = free_port(taken={p for p in urls})
                processes.append(start(work, port, node_id, redis, db))
                urls.append(port)
                wait_listening(port, processes[-1])
            args = [LOADGEN]
            for port, process in zip(urls, processes):
                args += ["--url", f"ws://127.0.0.1:{port}/ws", "--server-pid", str(process.pid)]
            out = subprocess.run(args + loadgen_args + protocol, capture_output=True, text=True, timeout=900)
            if out.returncode != 0:
                raise RuntimeError(f"{name} on {nodes} nodes: natter_loadgen failed:\n{out.stderr}{out.stdout}")
            result = json.loads(out.stdout.splitlines()[0])
            result["server"] = name
            return result
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", default="1,3", help="comma-separated node counts")
    parser.add_argument("--servers", default="natter,node-socketio", help=f"from {','.join(SERVERS)}")
    parser.add_argument("--repeat", type=int, default=3, help="runs per server and node count; medians reported")
    parser.add_argument("loadgen_args", nargs="*")
    args = parser.parse_args()
    names = args.servers.split(",")
    for name in names:
        if name not in SERVERS:
            parser.error(f"no server named {name!r} (known: {', '.join(SERVERS)})")
    for program, package in (("redis-server", "redis-server"), ("mariadbd", "mariadb-server"), ("node", "nodejs")):
        if not shutil.which(program) and not os.path.exists(f"/usr/sbin/{program}"):
            parser.error(f"{program} is not installed: packaging/build-deps.sh --bench installs {package}")
    for built in (NATTERD, LOADGEN):
        if not os.access(built, os.X_OK):
            parser.error(f"{built} is not built: build natter first (README.md)")
    node_counts = [int(n) for n in args.nodes.split(",")]
    redis, db = Redis().start(), MariaDB().start()
    try:
        summary = []
        for nodes in node_counts:
            runs = {name: [] for name in names}
            for run in range(args.repeat):
                for name in names:
                    result = measure(name, nodes, args.loadgen_args, redis, db)
                    result["run"] = run + 1
                    print(json.dumps(result), flush=True)
                    runs[name].append(result)
            summary += [medians(r) for r in runs.values()]
    finally:
        db.close()
        redis.close()
    print(f"\n{'server':<14} {'nodes':>5} {'deliveries/s':>13} {'p50 ms':>8} {'p99 ms':>8} {'cross p50':>9} "
          f"{'cross p99':>9} {'ack p99':>8} {'srv ns/dlv':>11}")
    for r in summary:
        print(f"{r['server']:<14} {r['nodes']:>5.0f} {r['deliveries_per_s']:>13.0f} {r['p50_ms']:>8.3f} "
              f"{r['p99_ms']:>8.3f} {r['remote_p50_ms']:>9.3f} {r['remote_p99_ms']:>9.3f} {r['ack_p99_ms']:>8.3f} "
              f"{r['server_cpu_ns_per_delivery']:>11.0f}")
    for nodes in node_counts:
        ours = next((r for r in summary if r["server"] == "natter" and r["nodes"] == nodes), None)
        for peer in (r for r in summary if r["server"] != "natter" and r["nodes"] == nodes):
            if ours:
                print(f"{nodes} node(s), natter / {peer['server']}: "
                      f"{ours['deliveries_per_s'] / peer['deliveries_per_s']:.2f}x deliveries/s, "
                      f"{ours['p50_ms'] / max(peer['p50_ms'], 0.001):.2f}x p50, "
                      f"{ours['p99_ms'] / max(peer['p99_ms'], 0.001):.2f}x p99"
                      + (f", {ours['remote_p99_ms'] / max(peer['remote_p99_ms'], 0.001):.2f}x cross-node p99"
                         if nodes > 1 else ""))


if __name__ == "__main__":
    main()
