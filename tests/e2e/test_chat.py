"""Two people chatting, history, recovery, retries and shutdown: what a
user of natter notices, through a real natterd and a third-party client."""

import asyncio
import json
import signal
import unittest

import websockets

from natter_harness import Client, Natterd


class ChatTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.server = Natterd().start()

    def tearDown(self):
        self.server.close()

    async def test_both_members_get_the_message_with_one_id_and_the_sender_an_ack(self):
        ann = await Client.connect(self.server, "ann")
        bob = await Client.connect(self.server, "bob")
        await ann.join("lobby")
        joined = await bob.join("lobby")
        self.assertEqual(joined["members"], ["ann", "bob"])
        await ann.expect("joined", room="lobby", user="bob")

        await ann.say("lobby", "hello bob", ref="c1")
        seen_by_ann, ack = None, None
        for _ in range(2):  # message and ack, in either order
            event = await ann.recv()
            if event["type"] == "message":
                seen_by_ann = event
            else:
                ack = event
        seen_by_bob = await bob.expect("message", room="lobby", body="hello bob")
        self.assertEqual(ack["type"], "ack")
        self.assertEqual(ack["ref"], "c1")
        self.assertEqual(seen_by_ann["id"], seen_by_bob["id"])
        self.assertEqual(ack["id"], seen_by_bob["id"])
        self.assertIsInstance(ack["id"], str)
        self.assertEqual(seen_by_bob["from"], "ann")

    async def send_and_wait_for_ack(self, client, room, body, ref):
        await client.say(room, body, ref)
        while True:
            event = await client.recv()
            if event["type"] == "ack" and event["ref"] == ref:
                return event
            self.assertNotEqual(event["type"], "error", event)

    async def test_a_big_room_stops_announcing_joins_and_listing_members(self):
        self.server.close()
        self.server = Natterd(broker="announce_max_members = 2").start()
        ann = await Client.connect(self.server, "ann")
        bob = await Client.connect(self.server, "bob")
        cat = await Client.connect(self.server, "cat")
        await ann.join("hall")
        self.assertEqual((await bob.join("hall"))["members"], ["ann", "bob"])
        await ann.expect("joined", room="hall", user="bob")
        joined = await cat.join("hall")  # the third member: over the limit
        self.assertNotIn("members", joined)
        await cat.say("hall", "hi all", ref="c1")
        # ann hears cat's message with no `joined` for cat before it.
        await ann.expect("message", room="hall", body="hi all")
        await bob.expect("message", room="hall", body="hi all")
        # Counted after the change: back at two members, the leave is announced.
        await bob.send(op="leave", room="hall", ref="l1")
        await bob.expect("left", room="hall", ref="l1")
        await ann.expect("left", room="hall", user="bob")

    async def test_history_is_in_id_order_and_pages_backwards(self):
        ann = await Client.connect(self.server, "ann")
        await ann.join("notes")
        ids = [(await self.send_and_wait_for_ack(ann, "notes", f"note {i}", f"n{i}"))["id"]
               for i in range(7)]
        self.assertEqual(ids, sorted(ids, key=int))

        await ann.send(op="history", room="notes", limit=4, ref="h1")
        page = await ann.expect("history", ref="h1", room="notes")
        self.assertEqual([m["id"] for m in page["messages"]], ids[3:])
        self.assertEqual([m["body"] for m in page["messages"]], [f"note {i}" for i in range(3, 7)])

        await ann.send(op="history", room="notes", limit=4, before=ids[3], ref="h2")
        older = await ann.expect("history", ref="h2")
        self.assertEqual([m["id"] for m in older["messages"]], ids[:3])

    async def test_history_pages_forward_with_after_and_says_when_there_is_more(self):
        ann = await Client.connect(self.server, "ann")
        await ann.join("log")
        ids = [(await self.send_and_wait_for_ack(ann, "log", f"entry {i}", f"e{i}"))["id"] for i in range(7)]

        pages, after, more = [], "0", True
        while more:
            await ann.send(op="history", room="log", after=after, limit=3, ref=f"a{after}")
            page = await ann.expect("history", ref=f"a{after}")
            pages.append([m["id"] for m in page["messages"]])
            more = page["more"]
            after = pages[-1][-1]
        self.assertEqual(pages, [ids[0:3], ids[3:6], ids[6:]])

        await ann.send(op="history", room="log", limit=4, ref="b1")
        newest = await ann.expect("history", ref="b1")
        self.assertEqual(([m["id"] for m in newest["messages"]], newest["more"]), (ids[3:], True))
        await ann.send(op="history", room="log", limit=4, before=ids[3], ref="b2")
        oldest = await ann.expect("history", ref="b2")
        self.assertEqual(([m["id"] for m in oldest["messages"]], oldest["more"]), (ids[:3], False))

        await ann.send(op="history", room="log", before=ids[3], after=ids[1], ref="both")
        refused = await ann.expect("error", ref="both")
        self.assertEqual(refused["code"], "bad_request")

    async def test_history_survives_restart(self):
        ann = await Client.connect(self.server, "ann")
        await ann.join("diary")
        acked = [(await self.send_and_wait_for_ack(ann, "diary", f"day {i}", f"d{i}"))["id"]
                 for i in range(3)]
        await ann.close()
        self.assertEqual(self.server.stop(), 0)

        self.server.start()
        ann = await Client.connect(self.server, "ann")
        await ann.join("diary")
        await ann.send(op="history", room="diary", ref="h")
        page = await ann.expect("history", ref="h")
        self.assertEqual([m["id"] for m in page["messages"]], acked)
        self.assertEqual(page["messages"][0]["body"], "day 0")

    async def test_rejoin_with_since_replays_what_was_missed_in_order(self):
        ann = await Client.connect(self.server, "ann")
        bob = await Client.connect(self.server, "bob")
        await ann.join("ops")
        await bob.join("ops")
        await ann.expect("joined", user="bob")
        first = await self.send_and_wait_for_ack(ann, "ops", "before", "r0")
        await bob.expect("message", body="before")
        await bob.close()
        missed = [(await self.send_and_wait_for_ack(ann, "ops", f"missed {i}", f"r{i + 1}"))["id"]
                  for i in range(3)]

        bob = await Client.connect(self.server, "bob")
        await bob.join("ops", since=first["id"])
        replayed = [await bob.expect("message") for _ in missed]
        self.assertEqual([m["id"] for m in replayed], missed)
        await self.send_and_wait_for_ack(ann, "ops", "live again", "r9")
        live = await bob.expect("message", body="live again")
        self.assertGreater(int(live["id"]), int(missed[-1]))

    async def test_a_retried_ref_is_acked_with_the_first_id_and_stored_once(self):
        ann = await Client.connect(self.server, "ann")
        await ann.join("retry")
        first = await self.send_and_wait_for_ack(ann, "retry", "only once", "same-ref")
        await ann.close()
        ann = await Client.connect(self.server, "ann")  # as after a reconnect
        await ann.join("retry")
        again = await self.send_and_wait_for_ack(ann, "retry", "only once", "same-ref")
        self.assertEqual(again["id"], first["id"])
        await ann.send(op="history", room="retry", ref="h")
        page = await ann.expect("history", ref="h")
        self.assertEqual([m["body"] for m in page["messages"]], ["only once"])

    async def test_ping_is_answered_with_pong(self):
        ann = await Client.connect(self.server, "ann")
        await ann.send(op="ping", ref="p1")
        await ann.expect("pong", ref="p1")

    async def test_sigterm_tells_clients_going_away_and_exits_zero(self):
        ann = await Client.connect(self.server, "ann")
        await ann.join("bye")
        await self.send_and_wait_for_ack(ann, "bye", "last words", "l")
        loop = asyncio.get_running_loop()
        code = await loop.run_in_executor(None, self.server.stop, signal.SIGTERM)
        self.assertEqual(code, 0, self.server.log())
        with self.assertRaises(websockets.ConnectionClosed) as closed:
            await ann.recv()
        self.assertEqual(closed.exception.code, 1001)

    async def test_a_refused_user_name_gets_unauthorized_and_is_closed(self):
        ws = await websockets.connect(f"{self.server.url}?user=bad%20name", subprotocols=["natter.v1"])
        error = json.loads(await asyncio.wait_for(ws.recv(), 5))
        self.assertEqual(error["code"], "unauthorized")
        with self.assertRaises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        self.assertEqual(closed.exception.code, 4001)


if __name__ == "__main__":
    unittest.main()
