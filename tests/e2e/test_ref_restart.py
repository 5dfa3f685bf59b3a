"""A retried send is never stored twice, whatever happened to natterd in
between: after `kill -9` or SIGTERM and a restart, a retry with the same
ref gets the first id back, including for sends that were stored but whose
ack never reached the client. On SQLite, and on MariaDB with
NATTER_TEST_STORAGE=mariadb."""

import asyncio
import signal
import unittest

from natter_harness import Client, Natterd

SENDS = 300


class RefRestartTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.server = Natterd()
        self.addCleanup(self.server.close)
        self.server.start()

    async def retry_after_restart(self, sig):
        ann = await Client.connect(self.server, "ann")
        await ann.join("r")
        await ann.send(op="send", room="r", body="first", ref="c1")
        first = await ann.until("ack", ref="c1")
        # A burst the restart cuts into: some acked, some stored but not
        # acked yet, some not stored.
        for i in range(SENDS):
            await ann.send(op="send", room="r", body=f"m{i}", ref=f"b{i}")
        acked = {}
        try:
            while len(acked) < SENDS // 10:
                event = await ann.recv()
                if event["type"] == "ack":
                    acked[event["ref"]] = event["id"]
        finally:
            await asyncio.get_running_loop().run_in_executor(None, self.server.stop, sig)
        await ann.close()
        self.server.start()

        ann = await Client.connect(self.server, "ann")
        await ann.join("r")
        await ann.send(op="send", room="r", body="first", ref="c1")
        self.assertEqual((await ann.until("ack", ref="c1"))["id"], first["id"])
        answers = {}
        for i in range(SENDS):
            await ann.send(op="send", room="r", body=f"m{i}", ref=f"b{i}")
        while len(answers) < SENDS:
            event = await ann.recv(timeout=15)
            if event["type"] in ("ack", "error"):
                answers[event["ref"]] = event
        self.assertEqual([a for a in answers.values() if a["type"] == "error"], [])
        for ref, id_ in acked.items():
            self.assertEqual(answers[ref]["id"], id_, f"{ref} got a new id after the restart")
        bodies, after, more = [], "0", True
        while more:  # pages of at most history_page_max
            await ann.send(op="history", room="r", after=after, limit=200, ref="h" + after)
            page = await ann.until("history", ref="h" + after)
            bodies += [m["body"] for m in page["messages"]]
            after, more = page["messages"][-1]["id"], page["more"]
        self.assertEqual(sorted(bodies), sorted(["first"] + [f"m{i}" for i in range(SENDS)]),
                         "a body is missing or stored twice")
        await ann.close()

    async def test_a_retry_after_kill_9_gets_the_first_id(self):
        await self.retry_after_restart(signal.SIGKILL)

    async def test_a_retry_after_sigterm_gets_the_first_id(self):
        await self.retry_after_restart(signal.SIGTERM)


if __name__ == "__main__":
    unittest.main()
