"""Rooms survive a crash: after `kill -9` and a restart (acks and answers
wait for storage, the default), every room keeps its kind, owner,
password, invitations and members; deleted rooms stay deleted; direct
rooms and their history are still there, with its edits and deletions
and the unread counts they make. On SQLite, and on MariaDB with
NATTER_TEST_STORAGE=mariadb."""

import signal
import unittest

from natter_harness import Client, Natterd


class RoomRestartTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.server = Natterd(broker="implicit_rooms = false").start()

    def tearDown(self):
        self.server.close()

    async def test_rooms_survive_kill_9_and_restart(self):
        ann, bob, cat, eve = [await Client.connect(self.server, u) for u in ("ann", "bob", "cat", "eve")]
        await ann.send(op="create_room", room="safe", kind="protected", password="s3cret", ref="c1")
        await ann.expect("joined", ref="c1")
        await bob.send(op="join", room="safe", password="s3cret", ref="j1")
        await bob.expect("joined", ref="j1")
        await ann.settle()
        await ann.send(op="create_room", room="hideout", kind="private", members_invite=True, ref="c2")
        await ann.expect("joined", ref="c2")
        for user in ("cat", "eve"):
            await ann.send(op="invite", room="hideout", user=user, ref="i-" + user)
            await ann.expect("invited", ref="i-" + user)
        await eve.expect("invited", room="hideout")
        await eve.join("hideout")
        await ann.settle()
        await ann.send(op="kick", room="hideout", user="eve", ref="k")
        await ann.expect("left", ref="k", user="eve")
        await ann.send(op="create_room", room="plaza", ref="c3")
        await ann.expect("joined", ref="c3")
        await bob.join("plaza")
        await ann.settle()
        await bob.send(op="leave", room="plaza", ref="l")
        await bob.expect("left", ref="l")
        await ann.expect("left", user="bob")
        await ann.send(op="create_room", room="gone", ref="c4")
        await ann.expect("joined", ref="c4")
        await ann.send(op="delete_room", room="gone", ref="d")
        await ann.expect("room_deleted", ref="d")
        await ann.send(op="send", to="bob", body="see you after the crash", ref="m")
        dm = await ann.expect("message", body="see you after the crash")
        await ann.until("ack", ref="m")  # stored, so it must survive; bob's device got it too
        await bob.settle()
        await bob.send(op="read", room="dm:ann:bob", id=dm["id"], ref="r")
        await bob.expect("read", ref="r", id=dm["id"])
        # Two more for bob, one fixed and one taken back; answered once stored.
        ids = []
        for ref, body in (("m2", "fist draft"), ("m3", "oops, not for you"), ("m4", "still unread")):
            await ann.send(op="send", to="bob", body=body, ref=ref)
            while (event := await ann.recv())["type"] != "ack":
                pass  # her own copy, bob's device's receipt
            ids.append(event["id"])
        await ann.send(op="edit", to="bob", id=ids[0], body="first draft", ref="e")
        await ann.expect("edited", ref="e")
        await ann.send(op="delete", to="bob", id=ids[1], ref="x")
        await ann.expect("deleted", ref="x")
        await ann.settle()
        for client in (ann, bob, cat, eve):
            await client.close()

        self.server.stop(signal.SIGKILL)
        self.server.start()

        ann, bob, cat, eve, dan = [await Client.connect(self.server, u) for u in ("ann", "bob", "cat", "eve", "dan")]
        for client in (ann, bob, cat, eve, dan):
            await client.settle()  # presence of those who share the direct room
        # The protected room kept its password, and bob his membership.
        await dan.send(op="join", room="safe", password="guess", ref="j")
        await dan.expect("error", ref="j", code="wrong_password")
        joined = await bob.join("safe")
        self.assertEqual((joined["kind"], joined["members"]), ("protected", ["ann", "bob"]))
        # The private room kept its invitation (cat) and its kick (eve).
        await eve.send(op="join", room="hideout", ref="j")
        await eve.expect("error", ref="j", code="not_invited")
        await cat.join("hideout")
        # ... and that members may invite.
        await cat.send(op="invite", room="hideout", user="dan", ref="i")
        await cat.expect("invited", ref="i")
        await dan.expect("invited", room="hideout", by="cat")
        await ann.join("hideout")
        await ann.send(op="members", room="hideout", ref="m")
        members = await ann.expect("members", ref="m")
        self.assertEqual([(m["user"], m["role"]) for m in members["members"]], [("ann", "owner"), ("cat", "member")])
        # Owners stay owners; leaves stay left; deleted rooms stay deleted.
        await bob.send(op="kick", room="safe", user="ann", ref="k")
        await bob.expect("error", ref="k", code="forbidden")
        await ann.join("plaza")
        await ann.send(op="members", room="plaza", ref="m2")
        plaza = await ann.expect("members", ref="m2")
        self.assertEqual([m["user"] for m in plaza["members"]], ["ann"])
        await ann.send(op="join", room="gone", ref="g")
        await ann.expect("error", ref="g", code="no_such_room")
        await dan.send(op="list_rooms", ref="l")
        listed = await dan.expect("rooms", ref="l")
        self.assertEqual([(r["room"], r["kind"], r["invited"]) for r in listed["rooms"]],
                         [("hideout", "private", True), ("plaza", "public", False), ("safe", "protected", False)])
        # The direct room is bob's again on connecting, with its history.
        await bob.send(op="history", room="dm:ann:bob", ref="h")
        history = await bob.expect("history", ref="h")
        self.assertEqual([(m["body"], "edited_ts" in m, m.get("deleted", False)) for m in history["messages"]],
                         [("see you after the crash", False, False), ("first draft", True, False),
                          ("", False, True), ("still unread", False, False)])
        # Read up to the first: the edited one and the last are unread.
        await bob.send(op="list_rooms", ref="u")
        rooms = {r["room"]: r for r in (await bob.next_of("rooms"))["rooms"]}
        self.assertEqual(rooms["dm:ann:bob"]["unread"], 2)
        # And bob's read marker there stood still through the crash.
        await bob.send(op="read", room="dm:ann:bob", id="1", ref="r")
        await bob.expect("read", ref="r", id=dm["id"])
        for client in (ann, bob, cat, eve, dan):
            await client.close()


if __name__ == "__main__":
    unittest.main()
