"""Unread counts and delivery receipts as users notice them: `joined` and
`list_rooms` say how much is unread, the same on every device, and the
author of a direct message hears when a device of the other user got it.
Runs on SQLite, and on MariaDB with NATTER_TEST_STORAGE=mariadb."""

import unittest

from natter_harness import ServerTest


class UnreadTest(ServerTest):
    async def test_unread_count_is_right_on_every_device(self):
        ann, bob_phone = await self.connect("un_ann"), await self.connect("un_bob")
        await ann.join("un")
        await bob_phone.join("un")
        ids = []
        for i in range(5):
            await ann.say("un", f"m{i}", f"s{i}")
            ids.append((await ann.until("ack", ref=f"s{i}"))["id"])
        await bob_phone.say("un", "my own", "b")  # one's own messages are never unread
        await bob_phone.until("ack", ref="b")
        await ann.send(op="delete", room="un", id=ids[4], ref="d")  # nor deleted ones
        await ann.until("deleted")
        await bob_phone.settle()
        await bob_phone.send(op="read", room="un", id=ids[1], ref="r")
        await bob_phone.expect("read", ref="r")
        # A second device, joining now, sees what the first left unread.
        bob_laptop = await self.connect("un_bob")
        joined = await bob_laptop.join("un")
        self.assertEqual(joined["unread"], 2)  # m2, m3
        await bob_laptop.send(op="list_rooms", ref="l")
        listed = {r["room"]: r for r in (await bob_laptop.until("rooms"))["rooms"]}
        self.assertEqual(listed["un"]["unread"], 2)
        # Reading on the laptop moves the count for the phone too.
        await bob_laptop.send(op="read", room="un", id=ids[3], ref="r2")
        await bob_laptop.expect("read", ref="r2")
        await bob_phone.settle()
        await bob_phone.send(op="list_rooms", ref="l2")
        listed = {r["room"]: r for r in (await bob_phone.until("rooms"))["rooms"]}
        self.assertEqual(listed["un"]["unread"], 0)

    async def test_rooms_one_does_not_belong_to_carry_no_count(self):
        ann, eve = await self.connect("nc_ann"), await self.connect("nc_eve")
        await ann.send(op="create_room", room="nc", ref="c")
        await ann.expect("joined", ref="c", unread=0)
        await ann.say("nc", "hello", "s")
        await ann.until("ack", ref="s")
        await eve.send(op="list_rooms", ref="l")
        listed = {r["room"]: r for r in (await eve.until("rooms"))["rooms"]}
        self.assertNotIn("unread", listed["nc"])
        joined = await eve.join("nc")
        self.assertEqual(joined["unread"], 1)  # no marker yet: everything by others

    async def test_live_messages_come_after_the_joined_answer(self):
        ann, bob = await self.connect("lv_ann"), await self.connect("lv_bob")
        await ann.join("lv")
        for i in range(20):
            await ann.say("lv", f"m{i}", f"s{i}")
        await bob.send(op="join", room="lv", ref="j")
        # Whatever arrives live while the count is made waits behind the answer.
        first = await bob.recv()
        self.assertEqual((first["type"], first.get("ref")), ("joined", "j"), first)

    async def test_dm_delivered_receipt_reaches_every_device_of_the_author(self):
        ann_phone, ann_laptop = await self.connect("rcpt_ann"), await self.connect("rcpt_ann")
        bob = await self.connect("rcpt_bob")
        await ann_phone.send(op="send", to="rcpt_bob", body="are you there?", ref="s")
        sent = await ann_phone.until("ack", ref="s")
        await bob.until("message")
        for device in (ann_phone, ann_laptop):
            events = [e for e in device.passed + await device.settle() if e["type"] == "delivered"]
            self.assertEqual(events, [{"type": "delivered", "room": "dm:rcpt_ann:rcpt_bob", "user": "rcpt_bob",
                                       "id": sent["id"]}])

    async def test_no_receipt_while_the_recipient_is_offline(self):
        ann = await self.connect("off_ann")
        await ann.send(op="send", to="off_bob", body="for later", ref="s")
        await ann.until("ack", ref="s")
        self.assertEqual([e for e in ann.passed + await ann.settle() if e["type"] == "delivered"], [])


if __name__ == "__main__":
    unittest.main()
