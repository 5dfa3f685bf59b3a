"""Clients that come and go while a room is busy: the members who stay get
every message, in order, and the server stays up. Disconnecting members
are detached by the broker while messages for them are still queued."""

import asyncio
import json
import unittest

import websockets

from natter_harness import Client, Natterd

MESSAGES = 1000


class ChurnTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.server = Natterd(broker='ack_after = "accepted"').start()

    def tearDown(self):
        self.server.close()

    async def churn(self, n, stop):
        cycles = 0
        while not stop.is_set():
            cycles += 1
            ws = await websockets.connect(f"{self.server.url}?user=churn{n}", subprotocols=["natter.v1"])
            await ws.send(json.dumps({"op": "join", "room": "busy", "ref": "j"}))
            try:
                for _ in range(2):  # welcome, joined
                    await asyncio.wait_for(ws.recv(), 5)
                # A few messages, if the room still has any coming (members
                # coming and going are not news once they belong to it).
                for _ in range(3):
                    await asyncio.wait_for(ws.recv(), 1)
            except asyncio.TimeoutError:
                pass
            finally:
                ws.transport.abort()  # gone without a close handshake
        return cycles

    async def test_members_who_stay_get_every_message_in_order_while_others_churn(self):
        ann = await Client.connect(self.server, "ann")
        pub = await Client.connect(self.server, "pub")
        await ann.join("busy")
        await pub.join("busy")
        stop = asyncio.Event()
        churners = [asyncio.create_task(self.churn(n, stop)) for n in range(10)]

        async def publish():
            # Paced over a few seconds, so the churners come and go while
            # it flows.
            for i in range(MESSAGES):
                await pub.say("busy", f"m{i}", ref=f"r{i}")
                if i % 20 == 19:
                    await asyncio.sleep(0.05)

        sender = asyncio.create_task(publish())
        bodies = []
        while len(bodies) < MESSAGES:
            event = await ann.recv(timeout=10)
            if event["type"] == "message":
                bodies.append(event["body"])
        await sender
        stop.set()
        cycles = await asyncio.gather(*churners, return_exceptions=True)
        self.assertIsNone(self.server.process.poll(), "natterd died:\n" + self.server.log()[-4000:])
        self.assertEqual(bodies, [f"m{i}" for i in range(MESSAGES)])
        self.assertGreater(sum(c for c in cycles if isinstance(c, int)), 50, cycles)  # it did churn
        # And it still serves a newcomer.
        bob = await Client.connect(self.server, "bob")
        await bob.join("busy")


if __name__ == "__main__":
    unittest.main()
