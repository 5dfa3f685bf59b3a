"""A client that stops reading must not make the broker hold an unbounded
queue for it: it is disconnected with 1008 and a reason, while clients
that keep reading are served throughout."""

import asyncio
import json
import unittest

import websockets

from natter_harness import Client, Natterd

BODY = "x" * 60_000
MESSAGES = 600  # 36 MB: far more than socket buffers plus the queue bound
WINDOW = 8      # sends the talker keeps un-acked, as a real client would


class SlowReaderTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.server = Natterd(max_message_bytes=65536, extra="max_outbound_queue = 64\n").start()

    def tearDown(self):
        self.server.close()

    async def test_slow_reader_is_disconnected_and_others_are_served(self):
        # max_queue=1 and a small read limit: the library stops reading the
        # socket, so TCP backpressure reaches the broker as from a stalled phone.
        slow = await websockets.connect(f"{self.server.url}?user=slow", subprotocols=["natter.v1"],
                                        max_queue=1, read_limit=2**12, max_size=None)
        await slow.recv()  # welcome
        await slow.send(json.dumps({"op": "join", "room": "flood", "ref": "j"}))
        await slow.recv()  # joined
        talker = await Client.connect(self.server, "talker")
        reader = await Client.connect(self.server, "reader")
        await talker.join("flood")
        await reader.join("flood")
        await talker.expect("joined", user="reader")

        window = asyncio.Semaphore(WINDOW)

        async def talker_reads():
            acked = 0
            while acked < MESSAGES:
                event = await talker.recv(timeout=30)
                self.assertNotEqual(event["type"], "error", event)
                if event["type"] == "ack":
                    acked += 1
                    window.release()

        async def reader_reads():
            seen = 0
            while seen < MESSAGES:
                if (await reader.recv(timeout=30))["type"] == "message":
                    seen += 1

        reading = asyncio.gather(talker_reads(), reader_reads())
        for i in range(MESSAGES):
            await window.acquire()
            await talker.say("flood", BODY, ref=f"f{i}")
        await reading

        with self.assertRaises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(slow.recv(), 30)
        self.assertEqual(closed.exception.code, 1008)
        self.assertIn("client too slow", closed.exception.reason)


if __name__ == "__main__":
    unittest.main()
