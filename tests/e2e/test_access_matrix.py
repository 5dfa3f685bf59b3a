"""Who may do what, tried exhaustively: every role (owner, member, invited,
stranger) in every kind of room (public, protected, private, direct) at
every action. Each refusal must come with its documented error code, and
nothing of it may reach another client or storage."""

import asyncio
import os
import sqlite3
import unittest

from natter_harness import STORAGE, Client, Natterd

ROLES = ("owner", "member", "invited", "stranger")
USER_OF = {"owner": "ann", "member": "bob", "invited": "cat", "stranger": "dan"}
ACTIONS = ("join", "send", "history", "typing", "read", "edit", "delete", "invite", "kick", "delete_room", "members")
# What each action answers when it is allowed (typing answers nothing).
ANSWER = {"join": "joined", "send": "ack", "history": "history", "typing": None, "read": "read", "edit": "edited",
          "delete": "deleted", "invite": "invited", "kick": "left", "delete_room": "room_deleted", "members": "members"}

ALLOWED = None
MEMBERS_ONLY = {"owner": ALLOWED, "member": ALLOWED, "invited": "not_member", "stranger": "not_member"}
OWNER_ONLY = {"owner": ALLOWED, "member": "forbidden", "invited": "forbidden", "stranger": "forbidden"}


def group_room_rules(stranger_join):
    return {"join": {"owner": ALLOWED, "member": ALLOWED, "invited": ALLOWED, "stranger": stranger_join},
            "send": MEMBERS_ONLY, "history": MEMBERS_ONLY, "typing": MEMBERS_ONLY, "read": MEMBERS_ONLY,
            "members": MEMBERS_ONLY,
            # Members edit their own message; the owner deletes the member's,
            # the member their own (who may edit or delete whose message is
            # test_edits's subject).
            "edit": MEMBERS_ONLY, "delete": MEMBERS_ONLY,
            "invite": OWNER_ONLY, "kick": OWNER_ONLY, "delete_room": OWNER_ONLY}


# The documented rules (docs/protocol.md, "Rooms"), written out, not derived.
EXPECTED = {
    "public": group_room_rules(ALLOWED),
    "protected": group_room_rules("wrong_password"),
    "private": group_room_rules("not_invited"),
    # A direct room has its two users and nobody else: no owner, no
    # invitations, nothing to manage.
    "direct": {"join": {"member": ALLOWED, "stranger": "forbidden"},
               "send": {"member": ALLOWED, "stranger": "not_member"},
               "history": {"member": ALLOWED, "stranger": "not_member"},
               "typing": {"member": ALLOWED, "stranger": "not_member"},
               "read": {"member": ALLOWED, "stranger": "not_member"},
               "edit": {"member": ALLOWED, "stranger": "not_member"},
               "delete": {"member": ALLOWED, "stranger": "not_member"},
               "members": {"member": ALLOWED, "stranger": "forbidden"},
               "invite": {"member": "forbidden", "stranger": "forbidden"},
               "kick": {"member": "forbidden", "stranger": "forbidden"},
               "delete_room": {"member": "forbidden", "stranger": "forbidden"}},
}


def command_for(action, room, actor, sent):
    """`sent`: the id of the message ann and bob each sent in the room."""
    if action == "edit":
        return {"op": "edit", "room": room, "id": sent.get(actor, sent["bob"]), "body": "changed"}
    if action == "delete":
        return {"op": "delete", "room": room, "id": sent["bob"]}
    if action == "send":
        return {"op": "send", "room": room, "body": "matrix"}
    if action == "read":
        return {"op": "read", "room": room, "id": "1"}
    if action == "invite":
        return {"op": "invite", "room": room, "user": "zed"}
    if action == "kick":
        return {"op": "kick", "room": room, "user": "cat" if actor == "bob" else "bob"}
    return {"op": action, "room": room}


class AccessMatrixTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.server = Natterd(broker="max_rooms_per_session = 1000\npassword_retry_ms = 1\n"
                                     "typing_batch_ms = 10\ntyping_ttl_ms = 100").start()

    def tearDown(self):
        self.server.close()

    def stored(self):
        """Every message as stored and the number of room state entries, or
        None off SQLite."""
        if STORAGE != "sqlite":
            return None
        with sqlite3.connect(os.path.join(self.server.workdir, "history.db")) as db:
            return (db.execute("SELECT id, body, revision, deleted FROM messages ORDER BY id").fetchall(),
                    db.execute("SELECT COUNT(*) FROM room_state").fetchone()[0])

    @staticmethod
    async def sent_id(client, room, ref, **to):
        """Sends to `room` (or `to`), and the id of the ack."""
        await client.send(op="send", body="mine", ref=ref, **({"room": room} if room else to))
        return (await client.until("ack", ref=ref))["id"]

    async def make_room(self, kind, name):
        ann, bob, cat = self.clients["ann"], self.clients["bob"], self.clients["cat"]
        if kind == "direct":
            # A new ref each time: a repeated one is a retry, acked, not sent.
            sent = {"ann": await self.sent_id(ann, None, name, to="bob"),
                    "bob": await self.sent_id(bob, "dm:ann:bob", name + "-bob")}
            return "dm:ann:bob", sent
        await ann.send(op="create_room", room=name, kind=kind, password="pw", ref="c")
        await ann.expect("joined", ref="c")
        if kind == "private":
            await ann.send(op="invite", room=name, user="bob", ref="i")
            await ann.expect("invited", ref="i")
            await bob.expect("invited", room=name)
        await bob.send(op="join", room=name, password="pw", ref="j")
        await bob.expect("joined", ref="j")
        await ann.settle()  # bob's arrival
        # Refs of their own: a repeated one would be a retry, answered with the first id.
        sent = {"ann": await self.sent_id(ann, name, name + "-a"), "bob": await self.sent_id(bob, name, name + "-b")}
        await ann.send(op="invite", room=name, user="cat", ref="i")
        while (event := await ann.recv()).get("ref") != "i":
            pass
        self.assertEqual(event["type"], "invited")
        await cat.expect("invited", room=name)
        return name, sent

    async def test_every_role_kind_and_action(self):
        self.clients = {user: await Client.connect(self.server, user) for user in ("ann", "bob", "cat", "dan")}
        checked = refused = 0
        for kind, rules in EXPECTED.items():
            for action in ACTIONS:
                for role, expected in rules[action].items():
                    actor = USER_OF[role]
                    with self.subTest(kind=kind, role=role, action=action):
                        room, sent = await self.make_room(kind, f"{kind}-{role}-{action}")
                        for client in self.clients.values():
                            await client.settle()
                        before = self.stored()
                        await self.clients[actor].send(ref="act-" + room, **command_for(action, room, actor, sent))
                        if expected is None:
                            if ANSWER[action]:
                                answer = await self.clients[actor].recv()
                                while answer.get("ref") != "act-" + room:
                                    answer = await self.clients[actor].recv()
                                self.assertEqual(answer["type"], ANSWER[action])
                            self.assertEqual([e for e in await self.clients[actor].settle() if e["type"] == "error"], [])
                            # What the others heard of it (typing comes in a batch).
                            await asyncio.sleep(0.3)
                            for client in self.clients.values():
                                await client.settle()
                        else:
                            answer = await self.clients[actor].settle()
                            refused += 1
                            self.assertEqual([(e["type"], e.get("code")) for e in answer], [("error", expected)])
                            for user, client in self.clients.items():
                                if user != actor:
                                    self.assertEqual(await client.settle(), [], f"{user} heard of it")
                            self.assertEqual(self.stored(), before, "storage changed")
                        checked += 1
        # 3 kinds x 4 roles x 11 actions, and direct rooms' 2 roles x 11.
        self.assertEqual(checked, 3 * 4 * 11 + 2 * 11)
        self.assertEqual(refused, sum(code is not None for rules in EXPECTED.values()
                                      for roles in rules.values() for code in roles.values()))
        for client in self.clients.values():
            await client.close()


if __name__ == "__main__":
    unittest.main()
