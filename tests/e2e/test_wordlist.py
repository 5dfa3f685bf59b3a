"""filter_wordlist in a running natterd: masked words arrive masked, for
everyone and in history; a rejected message is answered `rejected` with
its rule, never delivered and never stored; a flagged one is delivered,
counted and logged; after the list is edited and natterd gets SIGHUP the
new list applies while every connection stays open, and a broken list is
refused with its file and line while the old one stays."""

import os
import re
import sqlite3
import unittest

from natter_harness import Client, Natterd

WORDS = """# the e2e list
[insults] reject
idiot

[mild] mask
darn
stupid head

[watch] flag
meet me at
"""


def metric(text, name):
    match = re.search(rf"^{name} (\d+)$", text, re.M)
    return int(match.group(1)) if match else 0


class WordlistTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.server = Natterd(extra="")
        self.words = os.path.join(self.server.workdir, "words.txt")
        with open(self.words, "w") as f:
            f.write(WORDS)
        with open(self.server.config_path, "a") as f:
            f.write(f'\n[[filter]]\nplugin = "wordlist"\nlists = ["{self.words}"]\n')
        self.server.start()
        self.ann = await Client.connect(self.server, "ann")
        self.bob = await Client.connect(self.server, "bob")
        await self.ann.join("words")
        await self.bob.join("words")

    async def asyncTearDown(self):
        await self.ann.close()
        await self.bob.close()
        self.server.close()

    async def say(self, body, ref):
        await self.ann.say("words", body, ref=ref)
        return await self.ann.until("ack", ref=ref)

    def stored_bodies(self):
        self.assertEqual(self.server.stop(), 0)  # SQLite has every acked message once natterd stops
        with sqlite3.connect(os.path.join(self.server.workdir, "history.db")) as db:
            return [body for (body,) in db.execute("SELECT body FROM messages ORDER BY id")]

    async def test_masked_words_arrive_masked_for_everyone_and_in_history(self):
        await self.say("what a DARN day, you Stupid\n Head", "m1")
        expected = "what a **** day, you ******\n ****"
        self.assertEqual((await self.bob.until("message", room="words"))["body"], expected)
        self.assertIn(expected, [e.get("body") for e in self.ann.passed if e["type"] == "message"])  # before its ack
        await self.bob.send(op="history", room="words", ref="h")
        self.assertEqual([m["body"] for m in (await self.bob.until("history", ref="h"))["messages"]], [expected])
        self.assertEqual(metric(self.server.admin("/metrics")[1], "natter_plugin_wordlist_masked_total"), 1)
        self.assertEqual(self.stored_bodies(), [expected])

    async def test_an_edit_passes_the_same_list(self):
        first = (await self.say("fine words", "e0"))["id"]
        await self.ann.send(op="edit", room="words", id=first, body="darn words", ref="e1")
        self.assertEqual((await self.bob.until("edited", id=first))["body"], "**** words")
        await self.ann.send(op="edit", room="words", id=first, body="idiot", ref="e2")
        self.assertEqual((await self.ann.until("error", ref="e2"))["code"], "rejected")
        self.assertEqual(self.stored_bodies(), ["**** words"])

    async def test_a_rejected_message_is_never_delivered_or_stored(self):
        await self.ann.say("words", "you ＩＤＩＯＴ", ref="r1")
        error = await self.ann.until("error", ref="r1")
        self.assertEqual(error["code"], "rejected")
        self.assertIn("rule insults", error["message"])
        self.assertNotIn("idiot", error["message"].lower())  # the rule, never the word
        await self.say("after", "a1")
        self.assertEqual((await self.bob.until("message", room="words"))["body"], "after")  # not the rejected one
        self.assertEqual(metric(self.server.admin("/metrics")[1], "natter_plugin_wordlist_rejected_total"), 1)
        self.assertEqual(self.stored_bodies(), ["after"])

    async def test_a_flagged_message_is_delivered_counted_and_logged(self):
        await self.say("meet me at the station", "f1")
        self.assertEqual((await self.bob.until("message", room="words"))["body"], "meet me at the station")
        self.assertEqual(metric(self.server.admin("/metrics")[1], "natter_plugin_wordlist_flagged_total"), 1)
        self.assertIn("flagged by rule watch: a message from ann in words", self.server.log())

    async def test_sighup_applies_an_edited_list_with_every_connection_open(self):
        await self.say("gosh", "g1")
        self.assertEqual((await self.bob.until("message", room="words"))["body"], "gosh")
        with open(self.words, "a") as f:
            f.write("[new] mask\ngosh\n")
        await self.server.reload_until("word lists reloaded: 4 rules, 5 words and phrases")
        await self.say("gosh again", "g2")
        self.assertEqual((await self.bob.until("message", room="words"))["body"], "**** again")

        with open(self.words, "a") as f:
            f.write("[broken] hide\nx\n")
        await self.server.reload_until("reload refused by")
        self.assertIn(f"{self.words}:13: rule 'broken' needs an action", self.server.log())
        await self.say("gosh, still", "g3")
        self.assertEqual((await self.bob.until("message", room="words"))["body"], "****, still")
        # Both clients were served on their first connections throughout.
        self.assertEqual(metric(self.server.admin("/metrics")[1], "natter_plugin_websocket_connections_accepted_total"), 2)



if __name__ == "__main__":
    unittest.main()
