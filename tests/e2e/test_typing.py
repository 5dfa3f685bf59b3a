"""Typing indicators as people notice them: the others see who is typing
and when they stop, a typist who goes quiet drops out, a storm of typists
stays cheap, and nothing of it is ever stored."""

import asyncio
import time
import unittest

from natter_harness import Client, Natterd


class TypingTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.server = Natterd(broker="typing_ttl_ms = 1500\ntyping_batch_ms = 100").start()

    def tearDown(self):
        self.server.close()

    async def room_of(self, room, *users):
        clients = [await Client.connect(self.server, user) for user in users]
        for client in clients:
            await client.join(room)
        return clients

    async def test_others_see_who_is_typing_and_when_they_stop(self):
        ann, bob, cat = await self.room_of("desk", "ann", "bob", "cat")
        await ann.send(op="typing", room="desk")
        for watcher in (bob, cat):
            seen = await watcher.next_of("typing")
            self.assertEqual((seen["room"], seen["users"], seen["ttl_ms"]), ("desk", ["ann"], 1500))
        await bob.send(op="typing", room="desk")
        self.assertEqual((await cat.next_of("typing"))["users"], ["ann", "bob"])
        await ann.send(op="typing", room="desk", active=False)
        self.assertEqual((await cat.next_of("typing"))["users"], ["bob"])

    async def test_a_typist_who_goes_quiet_drops_out_after_the_ttl(self):
        ann, bob = await self.room_of("quiet", "ann", "bob")
        await ann.send(op="typing", room="quiet")
        self.assertEqual((await bob.next_of("typing"))["users"], ["ann"])
        started = time.monotonic()
        self.assertEqual((await bob.next_of("typing", timeout=5))["users"], [])
        self.assertGreaterEqual(time.monotonic() - started, 1.2)

    async def test_leaving_the_room_stops_typing(self):
        ann, bob = await self.room_of("exit", "ann", "bob")
        await ann.send(op="typing", room="exit")
        self.assertEqual((await bob.next_of("typing"))["users"], ["ann"])
        await ann.send(op="leave", room="exit")
        self.assertEqual((await bob.next_of("typing"))["users"], [])

    async def test_typing_is_never_stored(self):
        ann, bob = await self.room_of("ephemeral", "ann", "bob")
        for _ in range(3):
            await ann.send(op="typing", room="ephemeral")
        await bob.next_of("typing")
        await bob.send(op="history", room="ephemeral", ref="h")
        page = await bob.expect("history", ref="h")
        self.assertEqual(page["messages"], [])
        _, metrics = self.server.admin("/metrics")
        self.assertIn("natter_messages_stored_total 0", metrics)

    async def test_typing_where_you_are_not_a_member_is_refused_and_nobody_hears_it(self):
        (bob,) = await self.room_of("closed", "bob")
        eve = await Client.connect(self.server, "eve")
        await eve.send(op="typing", room="closed", ref="t")
        refused = await eve.expect("error", ref="t")
        self.assertEqual(refused["code"], "not_member")
        with self.assertRaises(asyncio.TimeoutError):
            await bob.next_of("typing", timeout=0.5)

    async def test_a_typing_storm_costs_one_event_per_batch(self):
        typists = await self.room_of("storm", *[f"t{i}" for i in range(30)])
        (watcher,) = await self.room_of("storm", "watcher")
        started = time.monotonic()
        for _ in range(10):  # 300 keystrokes' worth of typing in about half a second
            for typist in typists:
                await typist.send(op="typing", room="storm")
            await asyncio.sleep(0.05)
        heard = []
        while not heard or len(heard[-1]["users"]) < len(typists):
            heard.append(await watcher.next_of("typing"))
        elapsed = time.monotonic() - started
        self.assertEqual(heard[-1]["users"], sorted(t.user for t in typists))
        # One event per 100 ms batch at most (and one right away), not one per keystroke.
        self.assertLessEqual(len(heard), elapsed / 0.1 + 2, [len(e["users"]) for e in heard])
        _, metrics = self.server.admin("/metrics")
        events = int(next(line.split()[-1] for line in metrics.splitlines()
                          if line.startswith("natter_typing_events_total")))
        self.assertLessEqual(events, elapsed / 0.1 + 2)


if __name__ == "__main__":
    unittest.main()
