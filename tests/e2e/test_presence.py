"""Presence as people notice it: peers see you come online and go
offline (with when you were last seen), a phone that reconnects at once
never shows offline, a client that stops answering pings drops out within
ping interval + idle timeout + debounce, anyone can ask, and a big room
filling up costs no presence storm."""

import asyncio
import json
import re
import time
import unittest

import websockets

from natter_harness import Client, Natterd

DEBOUNCE_MS = 400


class PresenceTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Natterd(broker=f"offline_after_ms = {DEBOUNCE_MS}",
                             extra="ping_interval_ms = 300\nidle_timeout_ms = 1000").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    async def pair(self, room, a, b):
        first, second = await Client.connect(self.server, a), await Client.connect(self.server, b)
        await first.join(room)
        await second.join(room)
        await first.settle()
        return first, second

    async def test_peers_see_you_go_offline_after_the_debounce_and_come_back(self):
        ann, bob = await self.pair("porch", "p_ann", "p_bob")
        left_at = time.time()
        await bob.close()
        self.assertEqual(await ann.settle(), [])  # not at once
        gone = await ann.next_of("presence")
        self.assertGreaterEqual(time.time() - left_at, DEBOUNCE_MS / 1000 - 0.05)
        self.assertEqual(gone["users"][0]["user"], "p_bob")
        self.assertFalse(gone["users"][0]["online"])
        self.assertAlmostEqual(gone["users"][0]["last_seen"] / 1000, left_at, delta=1.0)
        bob = await Client.connect(self.server, "p_bob")
        back = await ann.next_of("presence")
        self.assertEqual(back["users"], [{"user": "p_bob", "online": True}])
        await ann.close()
        await bob.close()

    async def test_a_reconnect_within_the_debounce_never_shows_offline(self):
        ann, bob = await self.pair("stoop", "r_ann", "r_bob")
        await bob.close()
        bob = await Client.connect(self.server, "r_bob")
        await asyncio.sleep(DEBOUNCE_MS / 1000 * 2)
        self.assertEqual(await ann.settle(), [])
        await ann.close()
        await bob.close()

    async def test_one_device_left_keeps_you_online(self):
        ann, phone = await self.pair("deck", "d_ann", "d_bob")
        laptop = await Client.connect(self.server, "d_bob")
        await phone.close()
        await asyncio.sleep(DEBOUNCE_MS / 1000 * 2)
        self.assertEqual(await ann.settle(), [])
        await ann.close()
        await laptop.close()

    async def test_a_client_that_stops_answering_pings_shows_offline(self):
        ann, bob = await self.pair("yard", "s_ann", "s_bob")
        # bob's process hangs: nothing is read, so no ping is answered.
        bob.ws.transport.pause_reading()
        hung_at = time.monotonic()
        gone = await ann.next_of("presence", timeout=5)
        waited = time.monotonic() - hung_at
        self.assertEqual((gone["users"][0]["user"], gone["users"][0]["online"]), ("s_bob", False))
        # ping interval + idle timeout + debounce, and some slack
        self.assertLess(waited, 0.3 + 1.0 + DEBOUNCE_MS / 1000 + 1.0)
        self.assertGreater(waited, DEBOUNCE_MS / 1000)
        bob.ws.transport.abort()
        await ann.close()

    async def test_anyone_may_ask_who_is_online(self):
        ann = await Client.connect(self.server, "q_ann")
        gone = await Client.connect(self.server, "q_gone")
        await gone.close()
        await asyncio.sleep(DEBOUNCE_MS / 1000 + 0.2)
        asker = await Client.connect(self.server, "q_asker")
        await asker.send(op="presence", users=["q_ann", "q_gone", "q_never"], ref="p")
        answer = await asker.expect("presence", ref="p")
        users = {u["user"]: u for u in answer["users"]}
        self.assertTrue(users["q_ann"]["online"])
        self.assertFalse(users["q_gone"]["online"])
        self.assertIn("last_seen", users["q_gone"])
        self.assertEqual(users["q_never"], {"user": "q_never", "online": False})
        await asker.send(op="presence", users="q_ann", ref="bad")
        await asker.expect("error", ref="bad", code="bad_request")
        await ann.close()
        await asker.close()

    async def test_the_member_list_shows_who_is_online_and_when_others_were_last_seen(self):
        ann, bob = await self.pair("attic-p", "m_ann", "m_bob")
        await bob.close()
        await ann.next_of("presence")
        await ann.send(op="members", room="attic-p", ref="m")
        listed = await ann.expect("members", ref="m")
        by_user = {m["user"]: m for m in listed["members"]}
        self.assertTrue(by_user["m_ann"]["online"])
        self.assertNotIn("last_seen", by_user["m_ann"])
        self.assertFalse(by_user["m_bob"]["online"])
        self.assertIn("last_seen", by_user["m_bob"])
        await ann.close()


class BigRoomPresenceTest(unittest.IsolatedAsyncioTestCase):
    MEMBERS = 5000

    def counter(self, server, name):
        _, metrics = server.admin("/metrics")
        return float(re.search(rf"^{name} (\S+)", metrics, re.M).group(1))

    async def quiet(self, server):
        """natter_events_total once it has stopped moving."""
        last = -1.0
        while True:
            await asyncio.sleep(0.5)
            now = self.counter(server, "natter_events_total")
            if now == last:
                return now
            last = now

    async def test_five_thousand_joining_at_once_cost_no_presence_storm(self):
        # The clients read nothing (the server counts what it sends them),
        # so their queues may grow long.
        server = Natterd(broker="offline_after_ms = 200",
                         extra="max_outbound_queue = 1000000").start()
        try:
            connecting = asyncio.Semaphore(100)

            async def connect(n):
                async with connecting:
                    return await websockets.connect(f"{server.url}?user=crowd{n}", subprotocols=["natter.v1"],
                                                    open_timeout=60, ping_interval=None)

            sockets = await asyncio.gather(*(connect(n) for n in range(self.MEMBERS)))
            online = await self.quiet(server)
            self.assertEqual(online, self.MEMBERS)  # a welcome each
            # Everyone online, and now they all join one room at once.
            await asyncio.gather(*(ws.send(json.dumps({"op": "join", "room": "arena"})) for ws in sockets))
            joined = await self.quiet(server) - online
            # Each told of each would be 25 M presence events. The room is
            # over announce_max_members (1,000), so there are none; what
            # remains is a `joined` answer each, and the joins of the first
            # 1,000 announced to those before them: about 500 k.
            self.assertEqual(self.counter(server, "natter_presence_events_total"), 0)
            self.assertGreaterEqual(joined, self.MEMBERS)
            self.assertLess(joined, self.MEMBERS + 1000 * 1000 // 2 + 1000)
            # All of them going away (past the debounce) is no storm either.
            for ws in sockets:
                ws.transport.abort()
            await asyncio.sleep(1.0)
            self.assertEqual(self.counter(server, "natter_presence_events_total"), 0)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
