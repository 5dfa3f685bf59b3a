#!/usr/bin/python3
"""What chat features cost the broker, side by side in one run with the
plain room send they build on: natterd's CPU time per operation (user +
system, all its threads, storage included), medians of repeats.

    bench/run_chat_costs.py [--ops 5000] [--repeats 3] [--typists 1000]

Scenarios, each on a fresh natterd (SQLite, the default persisted acks):
  plain      send into a public room of two members (the baseline)
  protected  send into a protected room of two members
  direct     send to a user (direct message), both online
  limited    plain, through ratelimit_token_bucket with limits no send reaches
             (one rule per key kind a send has: user, ip, connection, room)
  redis      the same limits through ratelimit_redis, on a redis-server this
             script starts; Redis's own CPU per send is shown beside it
  filtered   plain, through filter_wordlist with a 10,000-word list
  typing     a typing storm: --typists users in one room each type
             `--ops / typists` times; also counts the events it sends
             against the typists x members x keystrokes a naive broker sends

The clients are Python (python3-websockets) and slower than natterd, so
this measures CPU per operation, not throughput."""

import argparse
import asyncio
import json
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
os.environ.setdefault("NATTERD", os.path.join(os.environ.get("NATTER_BUILD_DIR", os.path.join(HERE, "..", "build")),
                                              "bin", "natterd"))

from natter_harness import Client, Natterd  # noqa: E402
from redis_server import Redis  # noqa: E402

WINDOW = 64  # sends in flight per sender


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def counter(server, name):
    _, text = server.admin("/metrics")
    match = re.search(rf"^{name} (\S+)", text, re.M)
    return float(match.group(1)) if match else 0.0


async def drain(client, until_ref):
    while (await client.recv(30)).get("ref") != until_ref:
        pass


async def pipelined_sends(sender, receiver, ops, **target):
    """`ops` sends, WINDOW in flight; returns when the receiver has them all."""
    async def receive():
        got = 0
        while got < ops:
            if (await receiver.recv(30))["type"] == "message":
                got += 1

    async def send():
        acked = 0
        for i in range(ops):
            await sender.send(op="send", body="x" * 64, ref=f"s{i}", **target)
            if i - acked >= WINDOW:
                while (await sender.recv(30))["type"] != "ack":
                    pass
                acked += 1
    await asyncio.gather(receive(), send())


def policy_table(name, workdir, redis):
    """The [[ratelimit]] or [[filter]] table scenario `name` adds, if any."""
    rules = ", ".join(f'"send per {key} 1000000/s burst 1000000"' for key in ("user", "ip", "connection", "room"))
    if name == "limited":
        return f'\n[[ratelimit]]\nplugin = "token_bucket"\nlimits = [{rules}]\n'
    if name == "redis":
        return (f'\n[[ratelimit]]\nplugin = "redis"\nlimits = [{rules}]\naddress = "{redis.address}"\n'
                f'password = "{redis.password}"\non_error = "deny"\n')
    if name == "filtered":
        words = os.path.join(workdir, "words.txt")
        with open(words, "w") as f:
            f.write("[listed] mask\n" + "".join(f"listed{n * 7919}word\n" for n in range(10_000)))
        return f'\n[[filter]]\nplugin = "wordlist"\nlists = ["{words}"]\n'
    return ""


async def scenario(name, ops, typists, redis):
    """natterd's CPU per operation, and (events sent, naive events) for
    typing or Redis's CPU per operation for redis."""
    server = Natterd(broker="typing_batch_ms = 250")
    with open(server.config_path, "a") as f:
        f.write(policy_table(name, server.workdir, redis))
    server.start()
    try:
        ann, bob = await Client.connect(server, "ann"), await Client.connect(server, "bob")
        target = {}
        if name in ("plain", "protected", "limited", "redis", "filtered"):
            await ann.send(op="create_room", room="r", kind="protected" if name == "protected" else "public",
                           password="correct horse", ref="c")
            await drain(ann, "c")
            await bob.send(op="join", room="r", password="correct horse", ref="j")
            await drain(bob, "j")
            await ann.settle()
            target = {"room": "r"}
        elif name == "direct":
            target = {"to": "bob"}
        if name != "typing":
            before, redis_before = cpu_seconds(server.process.pid), cpu_seconds(redis.process.pid)
            await pipelined_sends(ann, bob, ops, **target)
            redis_cost = (cpu_seconds(redis.process.pid) - redis_before) / ops * 1e6 if name == "redis" else None
            return (cpu_seconds(server.process.pid) - before) / ops * 1e6, redis_cost
        # A typing storm: everyone in one room, everyone types.
        users = [await Client.connect(server, f"t{n}") for n in range(typists)]
        for u in users:
            await u.send(op="join", room="storm", ref="j")
        for u in users:
            await drain(u, "j")
        await asyncio.sleep(0.5)
        for u in users:
            await u.settle(30)
        readers = [asyncio.create_task(read_all(u)) for u in users]
        events_before = counter(server, "natter_events_total")
        before = cpu_seconds(server.process.pid)
        rounds = max(1, ops // typists)
        for _ in range(rounds):
            for u in users:
                await u.send(op="typing", room="storm")
            await asyncio.sleep(0.3)
        await asyncio.sleep(1.0)
        used = cpu_seconds(server.process.pid) - before
        events = counter(server, "natter_events_total") - events_before
        for r in readers:
            r.cancel()
        return used / (rounds * typists) * 1e6, (events, rounds * typists * typists)
    finally:
        server.close()


async def read_all(client):
    while True:
        await client.ws.recv()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--typists", type=int, default=1000)
    args = parser.parse_args()
    results = {}
    redis = Redis().start()
    try:
        for _ in range(args.repeats):
            for name in ("plain", "protected", "direct", "limited", "redis", "filtered", "typing"):
                cost, extra = asyncio.run(scenario(name, args.ops, args.typists, redis))
                results.setdefault(name, []).append((cost, extra))
    finally:
        redis.close()
    plain = statistics.median(c for c, _ in results["plain"])
    print(f"natterd CPU per operation, median of {args.repeats} (ratio to a plain room send)")
    for name, runs in results.items():
        cost = statistics.median(c for c, _ in runs)
        line = f"  {name:<10} {cost:8.1f} us  {cost / plain:5.2f}x"
        if name == "redis":
            line += f"   + {statistics.median(r for _, r in runs):.1f} us in redis-server"
        elif runs[0][1]:
            sent = statistics.median(e for _, (e, _) in runs)
            naive = runs[0][1][1]
            line += f"   events sent {sent:,.0f} vs {naive:,} one per keystroke per member"
        print(line)


if __name__ == "__main__":
    main()
