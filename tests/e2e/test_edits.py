"""Edits and deletions as their users notice them: the author fixes or
takes back what they wrote, everyone in the room sees it, history and
recovery show the message as it now stands and never the old text.
Runs on SQLite, and on MariaDB with NATTER_TEST_STORAGE=mariadb."""

import os
import unittest

from natter_harness import ServerTest


class EditsTest(ServerTest):
    async def sent(self, client, room, body, ref):
        await client.say(room, body, ref)
        return (await client.until("ack", ref=ref))["id"]

    async def test_edited_message_shows_new_body_in_history(self):
        ann, bob = await self.connect("ed_ann"), await self.connect("ed_bob")
        await ann.join("ed")
        await bob.join("ed")
        first = await self.sent(ann, "ed", "teh typo", "s1")
        await bob.until("message")
        await ann.settle()
        await ann.send(op="edit", room="ed", id=first, body="the typo, fixed", ref="e1")
        answer = await ann.expect("edited", ref="e1", room="ed", id=first, body="the typo, fixed", **{"from": "ed_ann"})
        self.assertGreater(answer["edited_ts"], 0)
        seen = await bob.until("edited")
        self.assertEqual((seen["id"], seen["body"], seen["from"]), (first, "the typo, fixed", "ed_ann"))
        await bob.send(op="history", room="ed", ref="h")
        page = await bob.until("history")
        self.assertEqual([(m["id"], m["body"]) for m in page["messages"]], [(first, "the typo, fixed")])
        self.assertEqual(page["messages"][0]["edited_ts"], answer["edited_ts"])

    async def test_deleted_message_leaves_a_tombstone_without_its_text(self):
        ann, bob = await self.connect("del_ann"), await self.connect("del_bob")
        await ann.join("del")
        await bob.join("del")
        doomed = await self.sent(ann, "del", "a secret I regret", "s1")
        kept = await self.sent(ann, "del", "this stays", "s2")
        await bob.settle()
        await ann.settle()
        await ann.send(op="delete", room="del", id=doomed, ref="d1")
        answer = await ann.expect("deleted", ref="d1", room="del", id=doomed, by="del_ann")
        self.assertGreater(answer["deleted_ts"], 0)
        await bob.expect("deleted", room="del", id=doomed, by="del_ann")
        await bob.send(op="history", room="del", ref="h")
        page = await bob.until("history")
        self.assertEqual(page["messages"][0], {"id": doomed, "ts": page["messages"][0]["ts"], "from": "del_ann",
                                               "body": "", "deleted": True})
        self.assertEqual((page["messages"][1]["id"], page["messages"][1]["body"]), (kept, "this stays"))
        self.assertNotIn("deleted", page["messages"][1])
        # Edited after deletion: there is nothing left to edit.
        await ann.send(op="edit", room="del", id=doomed, body="back", ref="e")
        await ann.expect("error", ref="e", code="not_found")
        if not os.environ.get("NATTER_TEST_STORAGE"):
            # Not in a row, nor in a page's free space or the WAL: the bytes are gone.
            self.server.stop()
            try:
                for name in os.listdir(self.server.workdir):
                    if name.startswith("history.db"):
                        with open(os.path.join(self.server.workdir, name), "rb") as f:
                            self.assertNotIn(b"a secret I regret", f.read(), f"the deleted text is still in {name}")
            finally:
                self.server.start()

    async def test_only_the_author_edits_and_only_author_or_owner_deletes(self):
        owner, ann, bob = await self.connect("au_owner"), await self.connect("au_ann"), await self.connect("au_bob")
        await owner.send(op="create_room", room="au", ref="c")
        await owner.expect("joined", ref="c")
        await ann.join("au")
        await bob.join("au")
        mine = await self.sent(ann, "au", "ann's words", "s")
        await bob.send(op="edit", room="au", id=mine, body="bob's words", ref="e")
        await bob.until("error")
        await bob.send(op="delete", room="au", id=mine, ref="d")
        refused = await bob.until("error")
        self.assertEqual(refused["code"], "forbidden")
        self.assertIn("author or the room's owner", refused["message"])
        await owner.send(op="edit", room="au", id=mine, body="owner's words", ref="oe")
        self.assertEqual((await owner.until("error"))["code"], "forbidden")
        await owner.send(op="delete", room="au", id=mine, ref="od")
        await owner.expect("deleted", ref="od", id=mine, by="au_owner")
        await ann.settle()
        await ann.send(op="history", room="au", ref="h")
        self.assertTrue((await ann.until("history"))["messages"][0]["deleted"])

    async def test_edits_need_membership_an_id_and_a_body(self):
        ann, eve = await self.connect("bad_ann"), await self.connect("bad_eve")
        await ann.join("bad")
        mine = await self.sent(ann, "bad", "hello", "s")
        await eve.send(op="edit", room="bad", id=mine, body="x", ref="e1")
        await eve.expect("error", ref="e1", code="not_member")
        await ann.send(op="edit", room="bad", id=mine, body="", ref="e2")
        await ann.expect("error", ref="e2", code="bad_request")
        await ann.send(op="edit", room="bad", body="no id", ref="e3")
        await ann.expect("error", ref="e3", code="bad_request")
        await ann.send(op="delete", room="bad", id="12345", ref="e4")
        await ann.expect("error", ref="e4", code="not_found")
        await ann.send(op="delete", room="bad", to="someone", id=mine, ref="e5")
        await ann.expect("error", ref="e5", code="bad_request")

    async def test_a_direct_message_is_edited_through_to(self):
        ann, bob = await self.connect("dme_ann"), await self.connect("dme_bob")
        await ann.send(op="send", to="dme_bob", body="hi bob", ref="s")
        sent = await ann.until("ack", ref="s")
        await bob.until("message")
        await ann.send(op="edit", to="dme_bob", id=sent["id"], body="hi Bob!", ref="e")
        await ann.expect("edited", ref="e", room="dm:dme_ann:dme_bob", body="hi Bob!")
        seen = await bob.until("edited")
        self.assertEqual(seen["body"], "hi Bob!")

    async def test_reconnecting_client_learns_of_edits_and_deletions_it_missed(self):
        ann, bob = await self.connect("rc_ann"), await self.connect("rc_bob")
        await ann.join("rc")
        await bob.join("rc")
        old = await self.sent(ann, "rc", "old news", "s1")
        gone = await self.sent(ann, "rc", "never mind", "s2")
        await bob.settle()
        await bob.close()
        self.clients.remove(bob)
        # While bob is away: an old message edited and deleted, a new one
        # sent and deleted.
        await ann.send(op="edit", room="rc", id=old, body="old news, corrected", ref="e")
        await ann.until("edited")
        await ann.send(op="delete", room="rc", id=gone, ref="d")
        await ann.until("deleted")
        newer = await self.sent(ann, "rc", "brief", "s3")
        await ann.send(op="delete", room="rc", id=newer, ref="d2")
        await ann.until("deleted")
        bob = await self.connect("rc_bob")
        await bob.send(op="join", room="rc", since=gone, ref="j")
        await bob.expect("joined", ref="j")
        replayed = await bob.settle()
        self.assertEqual([(e["type"], e["id"]) for e in replayed],
                         [("message", newer), ("edited", old), ("deleted", gone)])
        self.assertEqual((replayed[0]["body"], replayed[0]["deleted"]), ("", True))
        self.assertEqual(replayed[1]["body"], "old news, corrected")


if __name__ == "__main__":
    unittest.main()
