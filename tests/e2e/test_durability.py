"""What an ack promises. With ack_after = "persisted" an acked message
survives natterd being killed with SIGKILL mid-stream; with "accepted" it
survives an orderly SIGTERM, which flushes storage before exiting."""

import asyncio
import signal
import unittest

import websockets

from natter_harness import Client, Natterd

WINDOW = 32


async def send_until(client, room, count, stop_after=None):
    """Sends `count` messages with WINDOW in flight; returns acked ids.
    Calls `stop_after()` once that many acks arrived, and stops there."""
    acked, sent = [], 0
    in_flight = 0
    while len(acked) < count:
        try:
            while sent < count and in_flight < WINDOW:
                await client.say(room, f"m{sent}", ref=f"r{sent}")
                sent += 1
                in_flight += 1
            event = await client.recv(timeout=10)
        except websockets.ConnectionClosed:
            break  # the server was killed
        if event["type"] == "ack":
            acked.append(event["id"])
            in_flight -= 1
            if stop_after and len(acked) == stop_after[0]:
                stop_after[1]()
    return acked


async def stored_ids(server, room):
    reader = await Client.connect(server, "auditor")
    await reader.join(room)
    ids, before = [], None
    while True:
        command = {"op": "history", "room": room, "limit": 200, "ref": "h"}
        if before:
            command["before"] = before
        await reader.send(**command)
        page = await reader.expect("history", ref="h")
        if not page["messages"]:
            break
        ids = [m["id"] for m in page["messages"]] + ids
        before = page["messages"][0]["id"]
    await reader.close()
    return ids


class DurabilityTest(unittest.IsolatedAsyncioTestCase):
    def tearDown(self):
        self.server.close()

    async def test_acked_messages_survive_sigkill_with_persisted_acks(self):
        self.server = Natterd(broker='ack_after = "persisted"').start()
        ann = await Client.connect(self.server, "ann")
        await ann.join("vault")
        process = self.server.process
        acked = await send_until(ann, "vault", 3000, stop_after=(500, process.kill))
        self.server.process.wait()
        self.server.stop()
        self.assertGreaterEqual(len(acked), 500)

        self.server.start()
        stored = await stored_ids(self.server, "vault")
        self.assertEqual(set(acked) - set(stored), set(), "acked but lost")
        self.assertEqual(len(stored), len(set(stored)), "stored twice")

    async def test_acked_messages_survive_sigterm_with_accepted_acks(self):
        self.server = Natterd(broker='ack_after = "accepted"').start()
        ann = await Client.connect(self.server, "ann")
        await ann.join("quick")
        acked = await send_until(ann, "quick", 2000)
        self.assertEqual(len(acked), 2000)
        loop = asyncio.get_running_loop()
        self.assertEqual(await loop.run_in_executor(None, self.server.stop, signal.SIGTERM), 0)

        self.server.start()
        stored = await stored_ids(self.server, "quick")
        self.assertEqual(sorted(stored, key=int), sorted(acked, key=int))


if __name__ == "__main__":
    unittest.main()
