"""Rooms as their users notice them: public, protected and private rooms
with owners, invitations, kicks and deletion, the room list and member
list, direct messages on every device, and a user's several devices.
Runs on SQLite, and on MariaDB with NATTER_TEST_STORAGE=mariadb."""

import asyncio
import time
import unittest

from natter_harness import Client, Natterd, ServerTest


class RoomsTest(ServerTest):
    broker = "password_retry_ms = 400\nmax_sessions_per_user = 3"

    async def test_owner_creates_a_public_room_anyone_joins(self):
        ann, bob = await self.connect("pub_ann"), await self.connect("pub_bob")
        await ann.send(op="create_room", room="pub", kind="public", ref="c")
        created = await ann.expect("joined", ref="c", room="pub", kind="public")
        self.assertEqual(created["members"], ["pub_ann"])
        joined = await bob.join("pub")
        self.assertEqual(joined["members"], ["pub_ann", "pub_bob"])
        await ann.expect("joined", room="pub", user="pub_bob")

    async def test_a_taken_name_cannot_be_created_again(self):
        ann, bob = await self.connect("taken_ann"), await self.connect("taken_bob")
        await ann.send(op="create_room", room="taken", ref="c")
        await ann.expect("joined", ref="c")
        await bob.send(op="create_room", room="taken", kind="private", ref="c2")
        await bob.expect("error", ref="c2", code="room_exists")
        await bob.send(op="create_room", room="dm:taken_bob:x", ref="c3")
        await bob.expect("error", ref="c3", code="bad_request")
        await bob.send(op="create_room", room="odd", kind="secret", ref="c4")
        await bob.expect("error", ref="c4", code="bad_request")

    async def test_wrong_password_is_refused_and_slowed(self):
        ann, bob = await self.connect("pw_ann"), await self.connect("pw_bob")
        await ann.send(op="create_room", room="vault", kind="protected", password="open sesame", ref="c")
        await ann.expect("joined", ref="c", kind="protected")
        await bob.send(op="join", room="vault", ref="j0")
        await bob.expect("error", ref="j0", code="wrong_password")
        await bob.send(op="join", room="vault", password="guess", ref="j1")
        await bob.expect("error", ref="j1", code="wrong_password")
        # Even the right password waits out the pause a wrong one earned.
        await bob.send(op="join", room="vault", password="open sesame", ref="j2")
        slowed = await bob.expect("error", ref="j2", code="rate_limited")
        self.assertGreater(slowed["retry_after_ms"], 0)
        await bob.send(op="join", room="vault", password="guess again", ref="j3")
        await bob.expect("error", ref="j3", code="rate_limited")
        await asyncio.sleep(slowed["retry_after_ms"] / 1000 + 0.05)
        await bob.send(op="join", room="vault", password="guess again", ref="j4")
        await bob.expect("error", ref="j4", code="wrong_password")
        # The second wrong one doubled the pause.
        await bob.send(op="join", room="vault", password="open sesame", ref="j5")
        doubled = await bob.expect("error", ref="j5", code="rate_limited")
        self.assertGreater(doubled["retry_after_ms"], 500)
        await asyncio.sleep(doubled["retry_after_ms"] / 1000 + 0.05)
        await bob.send(op="join", room="vault", password="open sesame", ref="j6")
        await bob.expect("joined", ref="j6", room="vault")
        # Another user's guessing does not slow bob down, nor the reverse.
        cat = await self.connect("pw_cat")
        await cat.send(op="join", room="vault", password="open sesame", ref="j7")
        await cat.expect("joined", ref="j7")

    async def test_private_room_admits_only_the_invited(self):
        ann, bob, cat = (await self.connect("pv_ann"), await self.connect("pv_bob"),
                         await self.connect("pv_cat"))
        await ann.send(op="create_room", room="den", kind="private", ref="c")
        await ann.expect("joined", ref="c", kind="private")
        await bob.send(op="join", room="den", ref="j")
        await bob.expect("error", ref="j", code="not_invited")
        await ann.send(op="invite", room="den", user="pv_bob", ref="i")
        await ann.expect("invited", ref="i", room="den", user="pv_bob", by="pv_ann")
        await bob.expect("invited", room="den", user="pv_bob", by="pv_ann")
        await bob.join("den")
        # Members may not invite unless the owner allows it.
        await ann.settle()
        await bob.send(op="invite", room="den", user="pv_cat", ref="i2")
        await bob.expect("error", ref="i2", code="forbidden")
        await ann.send(op="create_room", room="den2", kind="private", members_invite=True, ref="c2")
        await ann.expect("joined", ref="c2")
        await ann.send(op="invite", room="den2", user="pv_bob", ref="i3")
        await ann.expect("invited", ref="i3")
        await bob.expect("invited", room="den2")
        await bob.join("den2")
        await bob.send(op="invite", room="den2", user="pv_cat", ref="i4")
        await bob.expect("invited", ref="i4", user="pv_cat", by="pv_bob")
        await cat.expect("invited", room="den2", by="pv_bob")
        await cat.join("den2")

    async def test_kicked_member_leaves_every_device_and_cannot_come_back(self):
        ann = await self.connect("kick_ann")
        bob_phone, bob_laptop = await self.connect("kick_bob"), await self.connect("kick_bob")
        await ann.send(op="create_room", room="club", kind="private", ref="c")
        await ann.expect("joined", ref="c")
        await ann.send(op="invite", room="club", user="kick_bob", ref="i")
        await ann.expect("invited", ref="i")
        for device in (bob_phone, bob_laptop):
            await device.expect("invited", room="club")
        await bob_phone.join("club")
        await bob_laptop.join("club")
        await ann.settle()
        await ann.send(op="kick", room="club", user="kick_bob", ref="k")
        await ann.expect("left", ref="k", room="club", user="kick_bob", by="kick_ann")
        for device in (bob_phone, bob_laptop):
            await device.expect("left", room="club", user="kick_bob", by="kick_ann")
        self.assertEqual(await ann.settle(), [])
        await bob_phone.say("club", "still here?", "s")
        await bob_phone.expect("error", ref="s", code="not_member")
        await bob_laptop.send(op="join", room="club", ref="j")
        await bob_laptop.expect("error", ref="j", code="not_invited")
        await bob_laptop.send(op="kick", room="club", user="kick_ann", ref="k2")
        await bob_laptop.expect("error", ref="k2", code="forbidden")

    async def test_deleted_room_is_gone_with_its_history(self):
        ann, bob = await self.connect("del_ann"), await self.connect("del_bob")
        await ann.send(op="create_room", room="attic", ref="c")
        await ann.expect("joined", ref="c")
        await bob.join("attic")
        await ann.settle()
        await ann.say("attic", "old secret", "m")
        await ann.expect("message")
        await ann.expect("ack", ref="m")
        await bob.expect("message", body="old secret")
        await bob.send(op="delete_room", room="attic", ref="d0")
        await bob.expect("error", ref="d0", code="forbidden")
        await ann.send(op="delete_room", room="attic", ref="d")
        await ann.expect("room_deleted", ref="d", room="attic", by="del_ann")
        await bob.expect("room_deleted", room="attic", by="del_ann")
        await bob.say("attic", "hello?", "s")
        await bob.expect("error", ref="s", code="not_member")
        # The name is free again, and the new room starts empty.
        await bob.send(op="create_room", room="attic", ref="c2")
        await bob.expect("joined", ref="c2", members=["del_bob"])
        await bob.send(op="history", room="attic", ref="h")
        history = await bob.expect("history", ref="h")
        self.assertEqual(history["messages"], [])

    async def test_room_list_pages_with_member_counts_and_hides_private_rooms(self):
        ann, bob = await self.connect("ls_ann"), await self.connect("ls_bob")
        for name, kind in (("ls-a", "public"), ("ls-b", "protected"), ("ls-c", "private"), ("ls-d", "public")):
            await ann.send(op="create_room", room=name, kind=kind, password="pw", ref=name)
            await ann.expect("joined", ref=name)
        await bob.join("ls-a")
        await bob.send(op="list_rooms", after="ls-", limit=2, ref="l1")
        first = await bob.expect("rooms", ref="l1", more=True)
        self.assertEqual([(r["room"], r["kind"], r["members"], r["member"]) for r in first["rooms"]],
                         [("ls-a", "public", 2, True), ("ls-b", "protected", 1, False)])
        await bob.send(op="list_rooms", after="ls-b", limit=2, ref="l2")
        second = await bob.expect("rooms", ref="l2")
        names = [r["room"] for r in second["rooms"]]
        self.assertIn("ls-d", names)
        self.assertNotIn("ls-c", names)  # private, and bob is not in it
        await ann.settle()
        await ann.send(op="list_rooms", after="ls-b", limit=1, ref="l3")
        mine = await ann.expect("rooms", ref="l3", more=True)
        self.assertEqual([(r["room"], r["member"]) for r in mine["rooms"]], [("ls-c", True)])

    async def test_member_list_shows_roles_and_who_is_online(self):
        ann, bob = await self.connect("mem_ann"), await self.connect("mem_bob")
        await ann.send(op="create_room", room="porch", ref="c")
        await ann.expect("joined", ref="c")
        await bob.join("porch")
        await bob.close()
        self.clients.remove(bob)
        await asyncio.sleep(0.2)
        await ann.settle()
        await ann.send(op="members", room="porch", ref="m")
        listed = await ann.expect("members", ref="m", room="porch")
        self.assertIn("last_seen", listed["members"][1])
        del listed["members"][1]["last_seen"]
        self.assertEqual(listed["members"], [{"user": "mem_ann", "role": "owner", "online": True},
                                             {"user": "mem_bob", "role": "member", "online": False}])
        cat = await self.connect("mem_cat")
        await cat.send(op="members", room="porch", ref="m2")
        await cat.expect("error", ref="m2", code="not_member")

    async def test_membership_outlives_the_connection(self):
        ann, bob = await self.connect("stay_ann"), await self.connect("stay_bob")
        await ann.send(op="create_room", room="study", kind="private", ref="c")
        await ann.expect("joined", ref="c")
        await ann.send(op="invite", room="study", user="stay_bob", ref="i")
        await ann.expect("invited", ref="i")
        await bob.expect("invited", room="study")
        await bob.join("study")
        await ann.settle()
        await bob.close()
        self.clients.remove(bob)
        # A dropped connection is not a leave: nobody hears `left`, and bob
        # comes back to the private room without a new invitation.
        self.assertEqual(await ann.settle(), [])
        bob = await self.connect("stay_bob")
        joined = await bob.join("study")
        self.assertEqual(joined["members"], ["stay_ann", "stay_bob"])
        self.assertEqual(await ann.settle(), [])
        await bob.send(op="leave", room="study", ref="l")
        await bob.expect("left", ref="l")
        await ann.expect("left", room="study", user="stay_bob")
        await bob.send(op="join", room="study", ref="j")
        await bob.expect("error", ref="j", code="not_invited")

    async def test_dm_reaches_every_device(self):
        ann_phone, ann_laptop = await self.connect("dm_ann"), await self.connect("dm_ann")
        bob_phone, bob_laptop = await self.connect("dm_bob"), await self.connect("dm_bob")
        await ann_phone.send(op="send", to="dm_bob", body="psst", ref="d")
        room = "dm:dm_ann:dm_bob"
        psst = await ann_phone.expect("message", room=room, body="psst", **{"from": "dm_ann"})
        # Each of ann's devices hears that bob got it, once.
        for device in (ann_phone, ann_laptop):
            if device is ann_laptop:
                await device.expect("message", room=room, body="psst")
            await device.expect("delivered", room=room, user="dm_bob", id=psst["id"])
        await ann_phone.expect("ack", ref="d", room=room)
        for device in (bob_phone, bob_laptop):
            await device.expect("message", room=room, body="psst")
        # The answer comes back the same way, by user or by room.
        await bob_laptop.send(op="send", room=room, body="hi!", ref="r")
        for device in (ann_phone, ann_laptop, bob_phone):
            await device.expect("message", room=room, body="hi!")
        await bob_laptop.send(op="history", room=room, ref="h")
        history = await bob_laptop.expect("message", body="hi!") and await bob_laptop.recv()
        while history["type"] != "history":
            history = await bob_laptop.recv()
        self.assertEqual([m["body"] for m in history["messages"]], ["psst", "hi!"])

    async def test_dm_sent_while_away_is_there_on_connecting(self):
        ann = await self.connect("away_ann")
        await ann.send(op="send", to="away_bob", body="call me", ref="d")
        await ann.expect("message")
        await ann.expect("ack", ref="d")
        bob = await self.connect("away_bob")
        await bob.send(op="list_rooms", ref="l")
        rooms = await bob.expect("rooms", ref="l")
        self.assertIn({"room": "dm:away_ann:away_bob", "kind": "direct", "members": 2, "member": True,
                       "invited": False, "unread": 1}, rooms["rooms"])
        await bob.send(op="history", room="dm:away_ann:away_bob", ref="h")
        history = await bob.expect("history", ref="h")
        self.assertEqual([m["body"] for m in history["messages"]], ["call me"])
        # And the next one arrives live, without a join.
        await ann.send(op="send", to="away_bob", body="now?", ref="d2")
        await bob.expect("message", body="now?")

    async def test_nobody_else_can_enter_a_direct_room(self):
        ann, eve = await self.connect("priv_ann"), await self.connect("priv_eve")
        await ann.send(op="send", to="priv_bob", body="between us", ref="d")
        await ann.expect("message")
        await ann.expect("ack", ref="d")
        room = "dm:priv_ann:priv_bob"
        for command in ({"op": "join"}, {"op": "history"}, {"op": "members"},
                        {"op": "invite", "user": "priv_eve"}, {"op": "delete_room"}):
            await eve.send(room=room, ref="x", **command)
            error = await eve.expect("error", ref="x")
            self.assertIn(error["code"], ("forbidden", "not_member"), command)
        await eve.send(op="send", room=room, body="hi", ref="s")
        await eve.expect("error", ref="s", code="not_member")
        await eve.send(op="send", to="a:b", body="hi", ref="s2")
        await eve.expect("error", ref="s2", code="bad_request")
        self.assertEqual(await ann.settle(), [])

    async def test_sent_from_one_device_appears_on_the_other(self):
        phone, laptop = await self.connect("md_ann"), await self.connect("md_ann")
        await phone.join("kitchen-md")
        joined = await laptop.join("kitchen-md")
        self.assertEqual(joined["members"], ["md_ann"])
        self.assertEqual(await phone.settle(), [])  # the same user: no news
        await phone.say("kitchen-md", "from my phone", "m")
        await laptop.expect("message", body="from my phone")

    async def test_read_marker_moves_on_every_device_and_tells_the_author(self):
        ann = await self.connect("rd_ann")
        phone, laptop = await self.connect("rd_bob"), await self.connect("rd_bob")
        await ann.join("reading")
        await phone.join("reading")
        await laptop.join("reading")
        await ann.settle()
        await ann.say("reading", "one", "m1")
        first = await ann.expect("message")
        await ann.expect("ack", ref="m1")
        await ann.say("reading", "two", "m2")
        second = await ann.expect("message")
        await ann.expect("ack", ref="m2")
        for device in (phone, laptop):
            await device.settle()
        await phone.send(op="read", room="reading", id=second["id"], ref="r")
        await phone.expect("read", ref="r", room="reading", user="rd_bob", id=second["id"])
        await laptop.expect("read", room="reading", user="rd_bob", id=second["id"])
        await ann.expect("read", room="reading", user="rd_bob", id=second["id"])  # the author hears it
        # It never moves back: an older id answers where it stands.
        await laptop.send(op="read", room="reading", id=first["id"], ref="r2")
        await laptop.expect("read", ref="r2", id=second["id"])
        self.assertEqual(await phone.settle(), [])
        outsider = await self.connect("rd_cat")
        await outsider.send(op="read", room="reading", id=second["id"], ref="r3")
        await outsider.expect("error", ref="r3", code="not_member")

    async def test_a_user_holds_at_most_max_sessions_per_user(self):
        for _ in range(3):
            await self.connect("many")
        import json
        import websockets
        ws = await websockets.connect(f"{self.server.url}?user=many", subprotocols=["natter.v1"])
        refused = json.loads(await asyncio.wait_for(ws.recv(), 5))
        self.assertEqual((refused["type"], refused["code"]), ("error", "forbidden"))
        with self.assertRaises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        self.assertEqual(closed.exception.rcvd.code, 1008)


class WithoutImplicitRoomsTest(unittest.IsolatedAsyncioTestCase):
    async def test_joining_an_uncreated_room_is_refused(self):
        server = Natterd(broker="implicit_rooms = false").start()
        try:
            ann = await Client.connect(server, "ann")
            await ann.send(op="join", room="nowhere", ref="j")
            await ann.expect("error", ref="j", code="no_such_room")
            await ann.send(op="create_room", room="somewhere", ref="c")
            await ann.expect("joined", ref="c", kind="public")
            await ann.close()
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
