"""natterd hands memory back to the system once a burst is over, also while
it sits idle (jemalloc's background thread, broker/runtime/jemalloc_conf.cpp):
an operator watching its RSS sees it fall after a spike, not stay at the peak."""

import asyncio
import os
import time
import unittest

from natter_harness import Client, Natterd

BODY_BYTES = 60_000
MESSAGES = 256  # the default recent_per_room: the room keeps them all in memory


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS:")).split()[1])


class MemoryAfterBurstTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        if os.environ.get("NATTER_EXPECT_ALLOCATOR") != "jemalloc":
            self.skipTest("natterd was built without jemalloc")
        # Added to natterd's own settings: purge after 0.2 s, not 10 s.
        self.old_conf = os.environ.get("MALLOC_CONF")
        os.environ["MALLOC_CONF"] = "dirty_decay_ms:200"
        self.server = Natterd(max_message_bytes=65536).start()

    def tearDown(self):
        self.server.close()
        if self.old_conf is None:
            os.environ.pop("MALLOC_CONF", None)
        else:
            os.environ["MALLOC_CONF"] = self.old_conf

    async def test_memory_of_a_forgotten_room_goes_back_while_natterd_is_idle(self):
        pid = self.server.process.pid
        before = rss_kib(pid)
        ann = await Client.connect(self.server, "ann")
        await ann.join("big")
        for i in range(MESSAGES):
            await ann.say("big", f"{i:05d}" + "x" * (BODY_BYTES - 5), ref=f"r{i}")
        seen = 0
        while seen < 2 * MESSAGES:  # each message comes back, and its ack
            await ann.recv(timeout=10)
            seen += 1
        peak = rss_kib(pid)
        held = MESSAGES * BODY_BYTES // 1024
        self.assertGreater(peak - before, held, "the room's recent messages should be in memory")

        # The last member leaves: the room and its recent messages are let go.
        await ann.send(op="leave", room="big", ref="bye")
        await ann.expect("left", room="big", ref="bye")
        deadline = time.monotonic() + 10
        while rss_kib(pid) > peak - held // 2 and time.monotonic() < deadline:
            # natterd is idle: only jemalloc's background thread can purge now.
            await asyncio.sleep(0.1)
        self.assertLess(rss_kib(pid), peak - held // 2,
                        f"RSS stayed near its peak of {peak} KiB ({before} KiB before the burst)")
        await ann.close()


if __name__ == "__main__":
    unittest.main()
