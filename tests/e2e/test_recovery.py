"""Recovery tells the truth: a client that rejoins with `since` after
missing more than a replay carries (`recovery_max`) hears `recovered: false`
with where the replay stopped, pages the rest with `history`, and ends with
every message exactly once; `since: "0"` means from the room's beginning."""

import unittest

from natter_harness import ServerTest

MISSED = 5000


class RecoveryTest(ServerTest):
    broker = "recovery_max = 1000"

    async def fill(self, room, count):
        writer = await self.connect("writer-" + room)
        await writer.join(room)
        ids = []
        for start in range(0, count, 500):
            for i in range(start, min(start + 500, count)):
                await writer.say(room, f"m{i}", f"s{i}")
            for i in range(start, min(start + 500, count)):
                ids.append((await writer.until("ack", ref=f"s{i}", timeout=30))["id"])
        return ids

    async def test_a_gap_larger_than_a_replay_says_so_and_the_rest_is_paged(self):
        reader = await self.connect("gap_reader")
        await reader.join("gap")
        await reader.say("gap", "seen", "seen")
        seen = (await reader.until("ack", ref="seen"))["id"]
        ids = await self.fill("gap", MISSED)
        await reader.send(op="join", room="gap", since=seen, ref="j")
        joined = await reader.until("joined", ref="j")
        self.assertIs(joined["recovered"], False)
        self.assertEqual(joined["recovered_up_to"], ids[999])
        got = [e["id"] for e in await reader.settle() if e["type"] == "message"]
        self.assertEqual(got, ids[:1000])
        after, more = joined["recovered_up_to"], True
        while more:
            await reader.send(op="history", room="gap", after=after, limit=200, ref="p" + after)
            page = await reader.until("history", ref="p" + after)
            got += [m["id"] for m in page["messages"]]
            after, more = page["messages"][-1]["id"], page["more"]
        self.assertEqual(got, ids, "every missed message exactly once, in order")

    async def test_a_gap_a_replay_covers_says_it_is_complete(self):
        reader = await self.connect("small_reader")
        await reader.join("small")
        await reader.say("small", "seen", "seen")
        seen = (await reader.until("ack", ref="seen"))["id"]
        ids = await self.fill("small", 1000)
        await reader.send(op="join", room="small", since=seen, ref="j")
        joined = await reader.until("joined", ref="j")
        self.assertIs(joined["recovered"], True)
        self.assertNotIn("recovered_up_to", joined)
        self.assertEqual([e["id"] for e in await reader.settle() if e["type"] == "message"], ids)

    async def test_since_0_replays_from_the_beginning(self):
        ids = await self.fill("origin", 30)
        reader = await self.connect("origin_reader")
        await reader.send(op="join", room="origin", since="0", ref="j")
        joined = await reader.until("joined", ref="j")
        self.assertIs(joined["recovered"], True)
        self.assertEqual([e["id"] for e in await reader.settle() if e["type"] == "message"], ids)

    async def test_a_plain_join_says_nothing_of_recovery(self):
        reader = await self.connect("plain_reader")
        joined = await reader.join("plain")
        self.assertNotIn("recovered", joined)


if __name__ == "__main__":
    unittest.main()
