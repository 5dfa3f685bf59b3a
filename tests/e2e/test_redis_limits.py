"""ratelimit_redis across nodes, on a real redis-server this module starts:
two natterd nodes spend from one send budget per user; with Redis stopped
each node follows its on_error (deny, allow, local) and says so in
/metrics; when Redis returns, the nodes share one budget again."""

import asyncio
import re
import time
import unittest

from natter_harness import Client, Natterd
from redis_server import Redis

redis = None


def setUpModule():
    global redis
    redis = Redis().start()


def tearDownModule():
    redis.close()


def metric(server, name):
    status, text = server.admin("/metrics")
    match = re.search(rf"^{name} (\d+)", text, re.M)
    return int(match.group(1)) if match else None


def node(on_error):
    # A slow refill: the budget is the burst for the length of a test.
    return Natterd(extra=f"""
[[ratelimit]]
plugin = "redis"
address = "{redis.address}"
password = "{redis.password}"
limits = ["send per user 1/min burst 4", "join per user 10/s burst 50"]
on_error = "{on_error}"
timeout_ms = 200
reconnect_max_ms = 300
""").start()


class RedisLimitsTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.deny, cls.allow, cls.local = node("deny"), node("allow"), node("local")

    @classmethod
    def tearDownClass(cls):
        for server in (cls.deny, cls.allow, cls.local):
            server.close()

    async def asyncSetUp(self):
        self.clients = []

    async def asyncTearDown(self):
        for client in self.clients:
            await client.close()

    async def connect(self, server, user, room):
        client = await Client.connect(server, user)
        self.clients.append(client)
        await client.join(room)
        return client

    async def send(self, client, room, ref):
        """'ack', or the error's code with its retry_after_ms."""
        await client.say(room, f"message {ref}", ref=ref)
        while True:
            event = await client.recv()
            if event.get("ref") == ref and event["type"] in ("ack", "error"):
                return "ack" if event["type"] == "ack" else (event["code"], event.get("retry_after_ms"))

    async def wait_for_metric(self, name, value, servers, timeout=10):
        deadline = time.monotonic() + timeout
        while any(metric(s, name) != value for s in servers):
            self.assertLess(time.monotonic(), deadline, f"{name} did not become {value}: " +
                            ", ".join(str(metric(s, name)) for s in servers))
            await asyncio.sleep(0.05)

    async def test_1_two_nodes_spend_one_budget(self):
        on_a = await self.connect(self.deny, "shared_ann", "redis_one")
        on_b = await self.connect(self.allow, "shared_ann", "redis_one")
        results = [await self.send(on_a, "redis_one", "a1"), await self.send(on_b, "redis_one", "b1"),
                   await self.send(on_a, "redis_one", "a2"), await self.send(on_b, "redis_one", "b2")]
        self.assertEqual(results, ["ack"] * 4)
        # The fifth, on either node, is over the budget they share.
        for client, ref in ((on_a, "a3"), (on_b, "b3")):
            code, retry_after_ms = await self.send(client, "redis_one", ref)
            self.assertEqual(code, "rate_limited")
            self.assertGreater(retry_after_ms, 50_000)  # one token a minute
            self.assertLessEqual(retry_after_ms, 60_000)
        # Another user has a budget of their own.
        bob = await self.connect(self.allow, "shared_bob", "redis_one")
        self.assertEqual(await self.send(bob, "redis_one", "bob1"), "ack")
        buckets = redis.cli("--scan", "--pattern", "natter:rl:send:user:*").stdout.split()
        self.assertIn("natter:rl:send:user:0.01666666667/s:4:shared_ann", buckets)
        self.assertEqual(metric(self.deny, "natter_plugin_redis_limiter_up"), 1)

    async def test_2_redis_stopped_each_node_follows_on_error_then_recovers(self):
        clients = {name: await self.connect(server, f"outage_{name}", "redis_two")
                   for name, server in (("deny", self.deny), ("allow", self.allow), ("local", self.local))}
        redis.stop()
        # Idle nodes notice too (they ping Redis every second).
        await self.wait_for_metric("natter_plugin_redis_limiter_up", 0, [self.deny, self.allow, self.local])
        for name, client in clients.items():
            client.results = [await self.send(client, "redis_two", f"{name}{i}") for i in range(6)]
        # deny: nothing goes, and the wait is the time to the next attempt.
        for result in clients["deny"].results:
            self.assertEqual(result[0], "rate_limited")
            self.assertGreaterEqual(result[1], 100)
            self.assertLessEqual(result[1], 400)
        # allow: everything goes, past the budget.
        self.assertEqual(clients["allow"].results, ["ack"] * 6)
        # local: this node's own buckets, with the same limits.
        local = clients["local"].results
        self.assertEqual(local[:4], ["ack"] * 4)
        self.assertEqual([r[0] for r in local[4:]], ["rate_limited"] * 2)
        for server in (self.deny, self.allow, self.local):
            self.assertGreater(metric(server, "natter_plugin_redis_fallback_decisions_total"), 0)
            self.assertIn("unreachable", server.log())
            self.assertIsNone(server.process.poll(), "a node exited while Redis was away")

        redis.start()
        await self.wait_for_metric("natter_plugin_redis_limiter_up", 1, [self.deny, self.allow, self.local])
        for server in (self.deny, self.allow, self.local):
            self.assertGreaterEqual(metric(server, "natter_plugin_redis_limiter_reconnects_total"), 1)
            self.assertIn("is back after", server.log())
        # One budget again, shared by all three.
        back = [await self.connect(server, "back_cat", "redis_two") for server in (self.deny, self.allow, self.local)]
        results = [await self.send(back[i % 3], "redis_two", f"back{i}") for i in range(5)]
        self.assertEqual(results[:4], ["ack"] * 4)
        self.assertEqual(results[4][0], "rate_limited")


if __name__ == "__main__":
    unittest.main()
