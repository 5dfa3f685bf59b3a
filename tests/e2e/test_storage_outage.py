"""MariaDB goes away while people chat: first frozen (SIGSTOP), then
killed and restarted. natterd stays up and keeps delivering live; every
message it acked is in MariaDB afterwards, exactly once."""

import asyncio
import signal
import unittest

import websockets

from natter_harness import Client, Natterd

MESSAGES = 5000
PAUSE_AT, KILL_AT, RESTART_AT = 1000, 2000, 2500  # by messages sent
SNOWFLAKE_EPOCH_MS = 1704067200000  # ids: 41 bits of ms since then, 10 of node, 12 of sequence


class StorageOutageTest(unittest.IsolatedAsyncioTestCase):
    def start(self, ack_after):
        self.server = Natterd(backend="mariadb", broker=f'ack_after = "{ack_after}"',
                              storage="connect_timeout_ms = 1000\nio_timeout_ms = 1000\n"
                                      "retry_max_ms = 400\n").start()
        self.db = self.server.database

    def tearDown(self):
        self.server.close()

    async def chat_through_outage(self):
        ann = await Client.connect(self.server, "ann")
        bob = await Client.connect(self.server, "bob")
        await ann.join("outage")
        await bob.join("outage")
        await ann.expect("joined", user="bob")

        answers = {}  # ref -> ack id, or error code
        live = []

        async def ann_reads():
            while len(answers) < MESSAGES:
                event = await ann.recv(timeout=90)
                if event["type"] == "ack":
                    answers[event["ref"]] = event["id"]
                elif event["type"] == "error":
                    answers[event["ref"]] = "error:" + event["code"]

        async def bob_reads():
            while len(live) < MESSAGES:
                event = await bob.recv(timeout=90)
                if event["type"] == "message":
                    live.append(event["body"])

        reading = asyncio.gather(ann_reads(), bob_reads())
        live_during_outage = 0
        for i in range(MESSAGES):
            if i == PAUSE_AT:
                self.db.pause()
            elif i == KILL_AT:
                # Still frozen: everything sent so far must reach Bob live.
                for _ in range(200):
                    if len(live) >= KILL_AT:
                        break
                    await asyncio.sleep(0.05)
                live_during_outage = len(live)
                self.db.kill()
            elif i == RESTART_AT:
                self.db.start()
            await ann.say("outage", f"message {i}", ref=f"r{i}")
            if i % 50 == 0:
                await asyncio.sleep(0.02)  # a steady stream, not one burst
        await reading
        log = self.server.log()
        self.assertIn("commit of", log, "the outage never reached the writer")
        self.assertIn("reconnected to 127.0.0.1", log)
        return answers, live, live_during_outage

    def stored(self):
        return self.stored_in("outage")

    def stored_in(self, room):
        rows = self.db.sql(f"SELECT id, body FROM messages WHERE room = '{room}'", database="natter")
        return [line.split("\t", 1) for line in rows.stdout.splitlines()]

    def assert_every_ack_stored_once(self, answers):
        acked = {ref: value for ref, value in answers.items() if not value.startswith("error:")}
        stored = self.stored()
        stored_ids = [row[0] for row in stored]
        bodies = [row[1] for row in stored]
        if len(bodies) != len(set(bodies)):
            self.fail(self.describe_doubles(stored, answers))
        self.assertEqual(len(stored_ids), len(set(stored_ids)))
        missing = set(acked.values()) - set(stored_ids)
        self.assertEqual(missing, set(), f"{len(missing)} acked messages are not in MariaDB")
        return acked

    def describe_doubles(self, stored, answers):
        """Seen once under ASan, not explained: which node gave each copy its
        id, and when, next to the id the sender was acked with."""
        ids_by_body = {}
        for id_, body in stored:
            ids_by_body.setdefault(body, []).append(int(id_))
        lines = [f"a message was stored twice (this natterd is node {self.server.node_id})"]
        for body, ids in ids_by_body.items():
            if len(ids) > 1:
                ref = "r" + body.removeprefix("message ")
                copies = ", ".join(f"{i} (node {(i >> 12) & 1023}, {(i >> 22) + SNOWFLAKE_EPOCH_MS} ms)"
                                   for i in sorted(ids))
                lines.append(f"{body!r}: stored as {copies}; acked as {answers.get(ref)}")
        lines.append("natterd's log, last 60 lines:")
        lines.extend(self.server.log().splitlines()[-60:])
        return "\n".join(lines)

    async def test_persisted_acks_all_land_in_mariadb_across_a_freeze_and_a_crash(self):
        self.start("persisted")
        answers, live, live_during_outage = await self.chat_through_outage()
        self.assertIsNone(self.server.process.poll(), "natterd died")
        self.assertEqual(len(live), MESSAGES, "live delivery stopped")
        self.assertEqual(live_during_outage, KILL_AT, "live delivery stalled while MariaDB was frozen")
        acked = self.assert_every_ack_stored_once(answers)
        self.assertEqual(len(acked), MESSAGES, sorted(set(answers.values()) - set(acked.values()))[:3])

    async def test_accepted_acks_all_land_once_the_outage_is_over(self):
        self.start("accepted")
        answers, live, _ = await self.chat_through_outage()
        self.assertEqual(len(live), MESSAGES)
        self.assertEqual(len([v for v in answers.values() if not v.startswith("error:")]), MESSAGES)
        for _ in range(300):  # the queue drains after the restart
            if len(self.stored()) >= MESSAGES:
                break
            await asyncio.sleep(0.1)
        self.assert_every_ack_stored_once(answers)

    async def test_a_retry_waiting_on_a_frozen_send_gets_its_ack_after_the_ref_is_forgotten(self):
        # The node remembers 2 refs: three later sends push the first ref out
        # while its send, and a retry of it, wait for the frozen database.
        self.server = Natterd(backend="mariadb", broker="remembered_refs = 2",
                              storage="io_timeout_ms = 1000\nretry_max_ms = 400\n").start()
        self.db = self.server.database
        ann = await Client.connect(self.server, "ann")
        again = await Client.connect(self.server, "ann")  # ann, reconnected
        await ann.join("retry")
        await again.join("retry")

        async def handled(client, ref):
            # A connection's commands run in order: its pong means the
            # commands before it were handled (acks wait for the thaw).
            await client.send(op="ping", ref=ref)
            while (event := await client.recv(timeout=10))["type"] != "pong":
                self.assertIn(event["type"], ("message", "joined"), event)

        self.db.pause()
        await ann.say("retry", "first", ref="a")
        await handled(ann, "p1")
        await again.say("retry", "first", ref="a")
        await handled(again, "p2")
        for ref in ("b", "c", "d"):
            await ann.say("retry", f"later {ref}", ref=ref)
        await handled(ann, "p3")
        self.db.resume()

        async def acks(client, count):
            got = {}
            while len(got) < count:
                event = await client.recv(timeout=30)
                self.assertNotEqual(event["type"], "error", event)
                if event["type"] == "ack":
                    got[event["ref"]] = event["id"]
            return got

        first, retried = await asyncio.gather(acks(ann, 4), acks(again, 1))
        self.assertEqual(retried, {"a": first["a"]})
        bodies = [row[1] for row in self.stored_in("retry")]
        self.assertEqual(sorted(bodies), ["first", "later b", "later c", "later d"])

    async def test_sigterm_with_mariadb_frozen_exits_instead_of_hanging(self):
        self.start("accepted")
        ann = await Client.connect(self.server, "ann")
        await ann.join("frozen")
        self.db.pause()
        for i in range(3000):
            await ann.say("frozen", f"queued {i}", ref=f"q{i}")
        acks = 0
        while acks < 3000:
            if (await ann.recv(timeout=30))["type"] == "ack":
                acks += 1
        loop = asyncio.get_running_loop()
        started = loop.time()
        code = await loop.run_in_executor(None, self.server.stop, signal.SIGTERM, 60)
        self.assertEqual(code, 0, self.server.log()[-2000:])
        # A few reconnect attempts for the first batch, then the rest at once.
        self.assertLess(loop.time() - started, 30)
        self.assertIn("storage unreachable while stopping", self.server.log())


if __name__ == "__main__":
    unittest.main()
