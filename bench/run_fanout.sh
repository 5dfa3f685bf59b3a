#!/bin/sh
# Starts natterd on the default pipeline (SQLite storage, acks after commit)
# in a temp dir on a free port, runs the fan-out benchmark against it and
# stops it. Extra arguments go to the benchmark.
#   bench/run_fanout.sh --subscribers 200 --messages 2000 --window 32
set -eu
build=${NATTER_BUILD_DIR:-$(dirname "$0")/../build}
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$dir/natter.toml" <<TOML
[broker]
ack_after = "${NATTER_BENCH_ACK_AFTER:-persisted}"
log_level = "warn"
[storage]
plugin = "sqlite"
path = "$dir/bench.db"
[[transport]]
plugin = "websocket"
listen = "127.0.0.1:$port"
max_outbound_queue = 100000
TOML
"$build/bin/natterd" --config "$dir/natter.toml" &
pid=$!
for _ in $(seq 100); do /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.1)" 2>/dev/null && break; sleep 0.05; done
"$build/bin/natter_loadgen" --url "ws://127.0.0.1:$port/ws" --server-pid "$pid" "$@"
ps -o rss=,time= -p "$pid" | awk '{print "natterd RSS " $1 " KiB, CPU time " $2}'
