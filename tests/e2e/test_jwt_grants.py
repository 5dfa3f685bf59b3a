"""What a JWT allows beyond everyone's room rules: with `rooms_claim`, a
user enters only the rooms (or prefixes*) the token lists, and any command
naming another room is refused `forbidden`, while direct messages still
work; with `create_room_roles`, only those roles create rooms, by
create_room or by a join that would make one. An auth plugin built for
ABI 1.7 (which knows no grants) limits nothing."""

import asyncio
import json
import os
import tempfile
import time
import unittest

import jwt
import websockets

from natter_harness import Client, Natterd


class GrantsTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="natter-grants-")
        cls.secret = os.urandom(32)
        with open(f"{cls.dir.name}/secret", "wb") as f:
            f.write(cls.secret)
        cls.server = Natterd(broker="implicit_rooms = true")
        with open(cls.server.config_path, "a") as f:
            f.write(f'\n[auth]\nplugin = "jwt"\nkeys = ["hs HS256 {cls.dir.name}/secret"]\n'
                    'rooms_claim = "natter.rooms"\nroles_claim = "realm_access.roles"\n'
                    'create_room_roles = ["moderator", "admin"]\n')
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.dir.cleanup()

    async def asyncSetUp(self):
        self.clients = []

    async def asyncTearDown(self):
        for client in self.clients:
            await client.close()

    async def connect(self, user, rooms=None, roles=None):
        now = int(time.time())
        claims = {"sub": user, "iat": now, "exp": now + 600}
        if rooms is not None:
            claims["natter"] = {"rooms": rooms}
        if roles is not None:
            claims["realm_access"] = {"roles": roles}
        token = jwt.encode(claims, self.secret, algorithm="HS256", headers={"kid": "hs"})
        ws = await websockets.connect(f"{self.server.url}?token={token}", subprotocols=["natter.v1"])
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
        self.assertEqual(welcome["type"], "welcome", welcome)
        client = Client(ws, welcome)
        self.clients.append(client)
        return client

    async def answer(self, client, ref, **command):
        await client.send(ref=ref, **command)
        while True:
            event = await client.recv()
            if event.get("ref") == ref:
                return event

    async def test_a_moderator_creates_rooms_and_a_member_may_not(self):
        mod = await self.connect("g_mod", rooms=["*"], roles=["moderator"])
        made = await self.answer(mod, "c1", op="create_room", room="g-made", kind="public")
        self.assertEqual(made["type"], "joined", made)
        member = await self.connect("g_member", rooms=["*"], roles=["member"])
        refused = await self.answer(member, "c2", op="create_room", room="g-mine", kind="public")
        self.assertEqual((refused["type"], refused["code"]), ("error", "forbidden"))
        self.assertEqual(refused["message"], "your credential does not let you create rooms")
        # A join that would make the room (implicit_rooms) is no way around it.
        implicit = await self.answer(member, "j1", op="join", room="g-implicit")
        self.assertEqual(implicit["code"], "no_such_room")
        self.assertIn("your credential does not let you create one", implicit["message"])
        # Joining a room that exists is not creating one.
        joined = await self.answer(member, "j2", op="join", room="g-made")
        self.assertEqual(joined["type"], "joined")
        # A token without the roles claim has no roles.
        plain = await self.connect("g_plain", rooms=["*"])
        refused = await self.answer(plain, "c3", op="create_room", room="g-plain", kind="public")
        self.assertEqual(refused["code"], "forbidden")

    async def test_rooms_outside_the_token_are_refused_and_dms_still_work(self):
        admin = await self.connect("g_admin", rooms=["*"], roles=["admin"])
        for room in ("support-1", "sales", "support"):
            made = await self.answer(admin, f"m-{room}", op="create_room", room=room, kind="public")
            self.assertEqual(made["type"], "joined", made)
        agent = await self.connect("g_agent", rooms=["support-*", "lobby"])
        self.assertEqual((await self.answer(agent, "j1", op="join", room="support-1"))["type"], "joined")
        for op, room in (("join", "sales"), ("history", "sales"), ("members", "sales"), ("join", "support")):
            with self.subTest(op=op, room=room):
                refused = await self.answer(agent, f"{op}-{room}", op=op, room=room)
                self.assertEqual((refused["type"], refused["code"]), ("error", "forbidden"))
                self.assertEqual(refused["message"], f"your credential does not let you into room '{room}'")
        await agent.send(op="send", to="g_admin", body="a direct message", ref="dm")
        ack = await agent.until("ack", ref="dm")
        self.assertTrue(ack["room"].startswith("dm:"))
        delivered = await admin.until("message", body="a direct message")
        self.assertEqual(delivered["from"], "g_agent")
        # A token without the rooms claim enters no room at all.
        nowhere = await self.connect("g_nowhere")
        self.assertEqual((await self.answer(nowhere, "j", op="join", room="support-1"))["code"], "forbidden")


class OlderAuthTest(unittest.IsolatedAsyncioTestCase):
    async def test_an_auth_plugin_built_for_abi_1_7_limits_nothing(self):
        fixture = os.path.join(os.environ["NATTER_FIXTURE_DIR"], "fixture_abi_1_7_auth.so")
        server = Natterd()
        with open(server.config_path, "a") as f:
            f.write(f'\n[auth]\nplugin = "{fixture}"\n')
        server.start()
        try:
            client = await Client.connect(server, "old_auth_user")
            self.assertEqual(client.user, "old_auth_user")
            await client.send(op="create_room", room="made-by-old", kind="public", ref="c")
            self.assertEqual((await client.until("joined", ref="c"))["room"], "made-by-old")
            await client.close()
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
