#!/usr/bin/python3
"""Fan-out side by side: natterd (default pipeline: SQLite storage, acks
after commit) and each peer, driven by the same natter_loadgen with the
same arguments in the same run. Prints each server's JSON line, then a
table with natter's figures as ratios to each peer.

    bench/run_fanout.py [--servers natter,natter-tls,websocketpp,node-ws,node-socketio,ceiling]
                        [--ack-after persisted|accepted]
                        [--generator-cpu CPU | --server-cpu CPU | --pin SERVER_CPU,GENERATOR_CPU |
                         --isolate IO_CPU,OTHER_CPU]
                        [--repeat N]
                        -- --subscribers 200 --messages 20000 --window 32

natter-tls is natterd on wss:// (a self-signed P-256 certificate, TLS 1.3
with OpenSSL's default suite), so natter / natter-tls is the cost of TLS.
--generator-cpu keeps only the generator on one CPU; every server runs as
configured (natterd on its default config), where the kernel puts it.
--server-cpu keeps only the server's I/O on one CPU: natterd's I/O thread
through its `cpus` key (its other threads stay free), a peer's whole
process (each has one busy thread); the generator runs where the kernel
puts it. --pin does both: the server's I/O on one CPU, the generator on
another. --isolate is --server-cpu IO_CPU that also keeps natterd's other
threads (broker loop, commit thread, ...) on OTHER_CPU, as an operator
would with `cpus` and systemd's CPUAffinity= (docs/configuration.md); the
generator runs where the kernel puts it.
--repeat N measures every server N times, taking turns (natter, each peer,
natter, ...), so drift of the machine spreads over all of them. The table
then holds each figure's median over the N runs, the ratios compare
medians, and a last block gives each server's range.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("NATTER_BUILD_DIR", os.path.join(HERE, "..", "build"))
LOADGEN = os.path.join(BUILD, "bin", "natter_loadgen")


def free_port(taken=()):
    """A loopback port free a moment ago and not in `taken` (the kernel may
    hand the same free port out twice in a row)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            return port


def wait_listening(port, process):
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start listening")


def start_natter(work, port, opts, tls=""):
    config = os.path.join(work, "natter.toml")
    cpus = f'cpus = "{opts.server_cpu}"\n' if opts.server_cpu is not None else ""
    cpus += tls
    with open(config, "w") as f:
        f.write(f'[broker]\nlog_level = "warn"\nack_after = "{opts.ack_after}"\n'
                f'admin_listen = "127.0.0.1:{free_port(taken={port})}"\n'
                f'[storage]\nplugin = "sqlite"\npath = "{work}/bench.db"\n'
                f'[[transport]]\nplugin = "websocket"\nlisten = "127.0.0.1:{port}"\n{cpus}')
    # Threads inherit their creator's CPUs, and the I/O thread then pins
    # itself to `cpus`: so natterd starts on the CPU its other threads keep.
    others_only = None if opts.other_cpu is None else lambda: os.sched_setaffinity(0, {opts.other_cpu})
    return subprocess.Popen([opts.natterd, "--config", config], preexec_fn=others_only)


def start_natter_tls(work, port, opts):
    """natterd as `natter`, on wss:// with a fresh self-signed P-256 certificate."""
    cert, key = os.path.join(work, "bench.crt"), os.path.join(work, "bench.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    return start_natter(work, port, opts, tls=f'tls_cert = "{cert}"\ntls_key = "{key}"\n')


def start_websocketpp(work, port, opts):
    return subprocess.Popen([os.path.join(BUILD, "bin", "natter_peer_websocketpp"), str(port)])


def start_ceiling(work, port, opts):
    return subprocess.Popen([os.path.join(BUILD, "bin", "natter_peer_ceiling"), str(port)])


def missing(name, opts):
    """Why server `name` cannot run here, in one line, or None."""
    built = {"natter": opts.natterd, "natter-tls": opts.natterd,
             "websocketpp": os.path.join(BUILD, "bin", "natter_peer_websocketpp"),
             "ceiling": os.path.join(BUILD, "bin", "natter_peer_ceiling")}
    if name in built and not os.access(built[name], os.X_OK):
        if name == "websocketpp":
            return (f"{built[name]} is not built: run packaging/build-deps.sh --bench "
                    "(it installs libwebsocketpp-dev), then configure and build again")
        return f"{built[name]} is not built: build natter first (README.md)"
    if name.startswith("node-") and not shutil.which("node"):
        return "node is not installed: run packaging/build-deps.sh --bench"
    return None


def start_node_peer(folder, port, *extra):
    """A peer in bench/peers/<folder>, its npm dependencies installed the
    first time (or again when package.json changed since)."""
    peer = os.path.join(HERE, "peers", folder)
    modules = os.path.join(peer, "node_modules")
    if (not os.path.isdir(modules) or
            os.path.getmtime(os.path.join(peer, "package.json")) > os.path.getmtime(modules)):
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund"], cwd=peer, check=True)
        os.utime(modules)
    return subprocess.Popen(["node", os.path.join(peer, "server.js"), str(port), *extra], stderr=subprocess.DEVNULL)


def start_node_ws(work, port, opts):
    return start_node_peer("node_ws", port)


def start_node_socketio(work, port, opts):
    return start_node_peer("node_socketio", port)


SERVERS = {"natter": start_natter, "natter-tls": start_natter_tls, "websocketpp": start_websocketpp, "node-ws": start_node_ws,
           "node-socketio": start_node_socketio, "ceiling": start_ceiling}
# Peers whose protocol wraps natter.v1's commands and events differently.
PROTOCOL = {"node-socketio": ["--protocol", "socketio"]}
SCHEME = {"natter-tls": "wss"}


def pin_process(pid, cpu):
    """Every thread of `pid`, as it is now, on `cpu` only."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        os.sched_setaffinity(int(tid), {cpu})


def measure(name, loadgen_args, opts):
    with tempfile.TemporaryDirectory(prefix="natter-bench-") as work:
        port = free_port()
        server = SERVERS[name](work, port, opts)
        try:
            wait_listening(port, server)
            if opts.server_cpu is not None and not name.startswith("natter"):
                pin_process(server.pid, opts.server_cpu)
            pin_generator = None if opts.generator_cpu is None else lambda: os.sched_setaffinity(0, {opts.generator_cpu})
            out = subprocess.run([LOADGEN, "--url",
                                  f"{SCHEME.get(name, 'ws')}://127.0.0.1:{port}/ws", "--server-pid", str(server.pid),
                                  *loadgen_args, *PROTOCOL.get(name, [])], capture_output=True, text=True,
                                 timeout=600, preexec_fn=pin_generator)
            if out.returncode != 0:
                raise RuntimeError(f"{name}: natter_loadgen failed:\n{out.stderr}{out.stdout}")
            result = json.loads(out.stdout.splitlines()[0])
            with open(f"/proc/{server.pid}/status") as f:
                rss = [line for line in f if line.startswith("VmRSS:")][0].split()[1]
            result["server"], result["server_rss_kib"] = name, int(rss)
            return result
        finally:
            server.terminate()
            server.wait()


def medians(runs):
    """One result per server: every number is the median over `runs`."""
    summary = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            summary[key] = statistics.median(r[key] for r in runs)
    return summary


def print_ranges(runs_by_server, scenario):
    """Each server's lowest and highest figures, when it ran more than once."""
    fields = ([("bytes_per_connection", "bytes/conn", "{:.0f}"), ("open_seconds", "open s", "{:.2f}")]
              if scenario == "idle" else
              [("deliveries_per_s", "deliveries/s", "{:.0f}"), ("p99_ms", "p99 ms", "{:.3f}"),
               ("server_cpu_ns_per_delivery", "srv ns/dlv", "{:.0f}")])
    print()
    for name, runs in runs_by_server.items():
        ranges = ", ".join(f"{label} {fmt.format(min(r[key] for r in runs))}-{fmt.format(max(r[key] for r in runs))}"
                           for key, label, fmt in fields)
        print(f"{name} over {len(runs)} runs: {ranges}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", default="natter,websocketpp,node-ws,node-socketio,ceiling",
                        help=f"comma-separated, from {','.join(SERVERS)}")
    parser.add_argument("--natterd", default=os.path.join(BUILD, "bin", "natterd"), metavar="PATH",
                        help="the natterd to measure (default: this build's), to compare two builds; "
                             "it finds its plugins in its bin/../lib/natter/plugins")
    parser.add_argument("--ack-after", default="persisted", choices=["persisted", "accepted"])
    placement = parser.add_mutually_exclusive_group()
    placement.add_argument("--generator-cpu", type=int, metavar="CPU",
                           help="keep the generator on this CPU; servers stay where the kernel puts them")
    placement.add_argument("--server-cpu", type=int, metavar="CPU",
                           help="keep the server's I/O on this CPU; the generator stays where the kernel puts it")
    placement.add_argument("--pin", metavar="SERVER_CPU,GENERATOR_CPU",
                           help="keep the server's I/O and the generator on one CPU each")
    placement.add_argument("--isolate", metavar="IO_CPU,OTHER_CPU",
                           help="keep the server's I/O on IO_CPU and natterd's other threads on OTHER_CPU; "
                                "the generator stays where the kernel puts it")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="measure every server N times, taking turns; report medians")
    parser.add_argument("loadgen_args", nargs="*")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"--repeat wants a count of at least 1 (got {args.repeat})")
    args.other_cpu = None
    for option, pair, names in (("--pin", args.pin, ("server_cpu", "generator_cpu")),
                                ("--isolate", args.isolate, ("server_cpu", "other_cpu"))):
        if not pair:
            continue
        try:
            first, second = (int(cpu) for cpu in pair.split(","))
        except ValueError:
            parser.error(f"{option} wants two CPU numbers like 0,1 (got {pair!r})")
        setattr(args, names[0], first)
        setattr(args, names[1], second)
    allowed = os.sched_getaffinity(0)
    for cpu in (args.server_cpu, args.generator_cpu, args.other_cpu):
        if cpu is not None and cpu not in allowed:
            parser.error(f"CPU {cpu} is not one this process may use ({','.join(map(str, sorted(allowed)))})")
    names = args.servers.split(",")
    for name in names:
        if name not in SERVERS:
            parser.error(f"no server named {name!r} (known: {', '.join(SERVERS)})")
        if why := missing(name, args):
            parser.error(f"{name}: {why}")
    if not os.access(LOADGEN, os.X_OK):
        parser.error(f"{LOADGEN} is not built: build natter first (README.md)")
    runs_by_server = {name: [] for name in names}
    for run in range(args.repeat):
        for name in names:
            result = measure(name, args.loadgen_args, args)
            result["run"] = run + 1
            print(json.dumps(result), flush=True)
            runs_by_server[name].append(result)
    results = [medians(runs) for runs in runs_by_server.values()]
    natter = next((r for r in results if r["server"] == "natter"), None)
    peers = [r for r in results if r["server"] != "natter"]
    if results and results[0]["scenario"] == "idle":
        print(f"\n{'server':<12} {'connections':>11} {'open s':>7} {'bytes/conn':>10}")
        for r in results:
            print(f"{r['server']:<12} {r['connections']:>11.0f} {r['open_seconds']:>7.2f} {r['bytes_per_connection']:>10.0f}")
        for peer in peers if natter else []:
            print(f"natter / {peer['server']}: {natter['bytes_per_connection'] / peer['bytes_per_connection']:.2f}x "
                  f"memory per connection, {natter['open_seconds'] / peer['open_seconds']:.2f}x time to open")
        if args.repeat > 1:
            print_ranges(runs_by_server, "idle")
        return
    print(f"\n{'server':<12} {'deliveries/s':>13} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'1st p50':>8} "
          f"{'last p99':>9} {'ack p99':>8} {'srv ns/dlv':>11} {'gen cpu s':>10} {'rss KiB':>8}")
    for r in results:
        print(f"{r['server']:<12} {r['deliveries_per_s']:>13.0f} {r['p50_ms']:>8.3f} {r['p99_ms']:>8.3f} "
              f"{r['p999_ms']:>9.3f} {r['first_p50_ms']:>8.3f} {r['last_p99_ms']:>9.3f} {r['ack_p99_ms']:>8.3f} "
              f"{r['server_cpu_ns_per_delivery']:>11.0f} {r['generator_cpu_s']:>10.2f} {r['server_rss_kib']:>8.0f}")
    for peer in peers if natter else []:
        print(f"natter / {peer['server']}: {natter['deliveries_per_s'] / peer['deliveries_per_s']:.2f}x "
              f"deliveries/s, {natter['p99_ms'] / max(peer['p99_ms'], 0.001):.2f}x p99, "
              f"{natter['server_cpu_ns_per_delivery'] / max(peer['server_cpu_ns_per_delivery'], 1):.2f}x "
              f"server CPU per delivery")
    if args.repeat > 1:
        print_ranges(runs_by_server, "fanout")

if __name__ == "__main__":
    main()
