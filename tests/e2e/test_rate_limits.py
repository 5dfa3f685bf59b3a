"""ratelimit_token_bucket in a running natterd: a client over its budget
for an action gets `rate_limited` with a `retry_after_ms` after which the
same action succeeds; each action has its own budget, keyed by user, IP,
connection or room; a sign-in over the connect budget is refused and
closed; a client refused over and over is closed with 4029; a flood of
distinct users keeps the limiter's memory bounded."""

import asyncio
import os
import re
import unittest

import websockets

from natter_harness import Client, Natterd, ServerTest


def metric(text, name):
    match = re.search(rf"^{name} (\d+)$", text, re.M)
    return int(match.group(1)) if match else 0


LIMITS = ['send per user 2/s burst 3', 'join per user 1/min burst 2', 'typing per connection 1/s burst 1',
          'create_room per user 1/min burst 1', 'edit per user 1/s burst 1', 'send per room 100/s burst 100']


class RateLimitTest(ServerTest):
    broker = "rate_limited_close_after = 8"
    extra = ('\n[[ratelimit]]\nplugin = "token_bucket"\nlimits = [' + ", ".join(f'"{rule}"' for rule in LIMITS) +
             ']\nmax_keys = 500\n')

    async def test_over_the_send_budget_answers_rate_limited_until_retry_after(self):
        ann = await self.connect("rl_ann")
        await ann.join("rl_send")
        for i in range(3):
            await ann.say("rl_send", f"burst {i}", ref=f"b{i}")
            await ann.until("ack", ref=f"b{i}")
        await ann.say("rl_send", "one too many", ref="over")
        error = await ann.until("error", ref="over")
        self.assertEqual(error["code"], "rate_limited")
        self.assertGreater(error["retry_after_ms"], 0)
        self.assertLessEqual(error["retry_after_ms"], 500)
        await asyncio.sleep(error["retry_after_ms"] / 1000)
        await ann.say("rl_send", "after the pause", ref="again")
        self.assertEqual((await ann.until("ack", ref="again"))["room"], "rl_send")
        # The refused one was never delivered or stored.
        await ann.send(op="history", room="rl_send", ref="h")
        bodies = [m["body"] for m in (await ann.until("history", ref="h"))["messages"]]
        self.assertEqual(bodies, ["burst 0", "burst 1", "burst 2", "after the pause"])

    async def test_each_action_has_its_own_budget(self):
        bea = await self.connect("rl_bea")
        for room in ("rl_a", "rl_b"):
            await bea.join(room)
        await bea.send(op="join", room="rl_c", ref="third")
        self.assertEqual((await bea.until("error", ref="third"))["code"], "rate_limited")
        # Joins used up; sends still have theirs.
        await bea.say("rl_a", "sends are separate", ref="s")
        await bea.until("ack", ref="s")
        await bea.send(op="create_room", room="rl_made1", kind="public", ref="c1")
        await bea.send(op="create_room", room="rl_made2", kind="public", ref="c2")
        error = await bea.until("error", ref="c2")
        self.assertEqual(error["code"], "rate_limited")
        self.assertIn("creating rooms too fast", error["message"])

    async def test_typing_is_limited_per_connection(self):
        one = await self.connect("rl_typer")
        two = await self.connect("rl_typer")  # the same user, another device
        await one.join("rl_typing")
        await two.send(op="join", room="rl_typing", ref="j2")
        await two.until("joined", ref="j2")
        await one.settle()
        await one.send(op="typing", room="rl_typing", ref="t1")
        await one.send(op="typing", room="rl_typing", ref="t2")
        self.assertEqual((await one.until("error", ref="t2"))["code"], "rate_limited")
        await two.send(op="typing", room="rl_typing", ref="t3")
        try:
            error = await two.until("error", ref="t3", timeout=0.5)
            self.fail(f"the other device has a bucket of its own: {error}")
        except asyncio.TimeoutError:
            pass

    async def test_a_client_refused_over_and_over_is_closed_with_4029(self):
        spammer = await self.connect("rl_spammer")
        await spammer.join("rl_spam")
        for i in range(12):
            await spammer.send(op="send", room="rl_spam", body="spam", ref=f"x{i}")
        with self.assertRaises(websockets.ConnectionClosed) as closed:
            for _ in range(100):
                await spammer.recv()
        self.assertEqual(closed.exception.rcvd.code, 4029)
        self.assertIn("refused by the rate limits 8 times in a row", closed.exception.rcvd.reason)


class FloodTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.server = Natterd(extra='\n[[ratelimit]]\nplugin = "token_bucket"\n'
                                    'limits = ["join per user 1/min burst 2"]\nmax_keys = 500\n').start()

    async def asyncTearDown(self):
        self.server.close()

    async def test_a_flood_of_distinct_users_keeps_memory_bounded(self):
        # 600 users, each joining once: more keys than max_keys (500).
        for batch in range(6):
            clients = await asyncio.gather(*(Client.connect(self.server, f"rl_flood{batch}_{i}") for i in range(100)))
            await asyncio.gather(*(c.send(op="join", room=f"rl_flood{batch}_{i}", ref="f") for i, c in enumerate(clients)))
            await asyncio.gather(*(c.until("joined", ref="f") for c in clients))
            await asyncio.gather(*(c.close() for c in clients))
        metrics = self.server.admin("/metrics")[1]
        keys = metric(metrics, "natter_plugin_token_bucket_keys")
        self.assertGreater(keys, 0)
        self.assertLessEqual(keys, 500)  # max_keys
        self.assertGreater(metric(metrics, "natter_plugin_token_bucket_evicted_keys_total"), 0)


class OlderLimiterTest(unittest.IsolatedAsyncioTestCase):
    async def test_a_limiter_built_for_abi_1_6_is_asked_about_sends_only(self):
        fixture = os.path.join(os.environ["NATTER_FIXTURE_DIR"], "fixture_abi_1_6_limiter.so")
        server = Natterd(extra=f'\n[[ratelimit]]\nplugin = "{fixture}"\n').start()
        try:
            client = await Client.connect(server, "rl_old")  # connect: not asked
            await client.join("rl_old")                       # join: not asked
            await client.say("rl_old", "refused", ref="s")
            error = await client.until("error", ref="s")
            self.assertEqual((error["code"], error["retry_after_ms"]), ("rate_limited", 1234))
            await client.close()
        finally:
            server.close()


class ConnectLimitTest(unittest.IsolatedAsyncioTestCase):
    async def test_signing_in_over_the_connect_budget_is_refused_and_closed(self):
        server = Natterd(extra='\n[[ratelimit]]\nplugin = "token_bucket"\nlimits = ["connect per ip 1/min burst 2"]\n'
                         ).start()
        try:
            for i in range(2):
                await (await Client.connect(server, f"rl_c{i}")).close()
            ws = await websockets.connect(f"{server.url}?user=rl_c3", subprotocols=["natter.v1"])
            error = __import__("json").loads(await asyncio.wait_for(ws.recv(), 5))
            self.assertEqual(error["type"], "error")
            self.assertEqual(error["code"], "rate_limited")
            self.assertGreater(error["retry_after_ms"], 20_000)
            with self.assertRaises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            self.assertEqual(closed.exception.rcvd.code, 4029)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
