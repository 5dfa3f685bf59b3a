"""SIGTERM under load: every send a client made before it heard that
natterd is stopping is answered, with its ack or `unavailable`, before the
connection closes with 1001; and every acked one is stored."""

import asyncio
import signal
import unittest

import websockets

from natter_harness import Client, Natterd

CLIENTS = 4
WINDOW = 8


class DrainTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.server = Natterd()
        self.addCleanup(self.server.close)
        self.server.start()

    async def sender(self, client, started, report):
        """Sends with up to WINDOW unanswered until told natterd is stopping,
        then reads until the close."""
        sent, answers, told, n = set(), {}, False, 0
        try:
            while True:
                while not told and len(sent) - len(answers) < WINDOW:
                    ref = f"{client.user}-{n}"
                    n += 1
                    sent.add(ref)
                    await client.send(op="send", room="load", body=ref, ref=ref)
                if len(answers) >= 50:
                    started.set()
                event = await client.recv(timeout=20)
                if event["type"] in ("ack", "error") and event.get("ref") in sent:
                    answers[event["ref"]] = event
                    told |= event["type"] == "error" and event["code"] == "unavailable"
        except websockets.ConnectionClosed as closed:
            report.append((sent, answers, closed.rcvd.code if closed.rcvd else None))

    async def test_every_send_is_answered_before_the_close(self):
        clients = [await Client.connect(self.server, f"u{i}") for i in range(CLIENTS)]
        for client in clients:
            await client.join("load")
        started, report = asyncio.Event(), []
        tasks = [asyncio.create_task(self.sender(c, started, report)) for c in clients]
        await asyncio.wait_for(started.wait(), 20)
        code = await asyncio.get_running_loop().run_in_executor(None, self.server.stop, signal.SIGTERM)
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
        self.assertEqual(code, 0)
        acked = set()
        for sent, answers, close_code in report:
            self.assertEqual(close_code, 1001)
            self.assertEqual(sent - answers.keys(), set(), "sends left without an answer")
            for answer in answers.values():
                self.assertIn((answer["type"], answer.get("code")), (("ack", None), ("error", "unavailable")))
            acked |= {ref for ref, a in answers.items() if a["type"] == "ack"}
        self.assertGreater(len(acked), 0)
        # Every acked send is stored.
        self.server.start()
        reader = await Client.connect(self.server, "reader")
        await reader.join("load")
        bodies, after, more = [], "0", True
        while more:
            await reader.send(op="history", room="load", after=after, limit=200, ref="h" + after)
            page = await reader.until("history", ref="h" + after)
            bodies += [m["body"] for m in page["messages"]]
            after, more = (page["messages"][-1]["id"] if page["messages"] else after), page["more"]
        self.assertEqual(acked - set(bodies), set(), "acked but not stored")
        self.assertEqual(len(bodies), len(set(bodies)), "stored twice")
        await reader.close()


if __name__ == "__main__":
    unittest.main()
