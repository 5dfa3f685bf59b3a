"""natterctl against a running natterd, every command through its admin
listener: status, rooms, room, sessions, kick (every session of the user
closed with 1008), broadcast (a system message, stored), reload, drain;
refusals without the token, and reading off loopback."""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import unittest

import websockets

from natter_harness import Client, Natterd, ServerTest

NATTERCTL = os.path.join(os.environ.get("NATTER_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                         "broker", "natterctl", "natterctl")
TOKEN = "test-token-0123456789abcdef"


def natterctl(server, *args, token=True, admin=None):
    """natterctl against `server`, reading its config as an operator would."""
    command = [sys.executable, NATTERCTL, "--config", server.config_path]
    if admin:
        command += ["--admin", admin]
    if not token:
        command += ["--token-file", ""]
    return subprocess.run(command + list(args), capture_output=True, text=True, timeout=60)


def token_file(directory):
    path = os.path.join(directory, "admin.token")
    with open(path, "w") as f:
        f.write(TOKEN + "\n")
    os.chmod(path, 0o640)
    return path


class NatterctlTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="natterctl-")
        cls.broker = f'admin_token_file = "{token_file(cls.dir.name)}"\noffline_after_ms = 200'
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.dir.cleanup()

    async def ctl(self, *args, **kwargs):
        return await asyncio.to_thread(natterctl, self.server, *args, **kwargs)

    async def test_status_rooms_room_and_sessions_show_the_node(self):
        ann_phone, ann_laptop, bob = (await self.connect("s_ann"), await self.connect("s_ann"),
                                      await self.connect("s_bob"))
        await ann_phone.send(op="create_room", room="s-team", kind="private", ref="c")
        await ann_phone.until("joined", ref="c")
        await ann_phone.send(op="invite", room="s-team", user="s_bob", ref="i")
        await ann_phone.until("invited", ref="i")
        await bob.until("invited", room="s-team")
        await bob.join("s-team")
        await ann_laptop.join("s-team")

        status = await self.ctl("status")
        self.assertEqual(status.returncode, 0, status.stderr)
        fields = dict(line.split("\t", 1) for line in status.stdout.splitlines() if not line.startswith("plugin"))
        self.assertEqual(fields["node"], str(self.server.node_id))
        self.assertGreaterEqual(int(fields["sessions"]), 3)
        self.assertIn("plugin\ttransport\twebsocket\tabi 1.", status.stdout)
        self.assertIn("sends_in_flight", fields)

        rooms = await self.ctl("rooms")
        self.assertEqual(rooms.stdout.splitlines()[0], "room\tkind\tmembers\tsessions_here\towner")
        self.assertIn("s-team\tprivate\t2\t3\ts_ann", rooms.stdout.splitlines())

        room = await self.ctl("room", "s-team")
        self.assertIn("kind\tprivate", room.stdout)
        lines = room.stdout.splitlines()
        self.assertIn("s_ann\towner\tyes\t-\t2", lines)
        self.assertIn("s_bob\tmember\tyes\t-\t1", lines)

        sessions = json.loads((await self.ctl("--json", "sessions")).stdout)["sessions"]
        mine = [s for s in sessions if s["user"] in ("s_ann", "s_bob")]
        self.assertEqual(sorted(s["user"] for s in mine), ["s_ann", "s_ann", "s_bob"])
        self.assertTrue(all(s["rooms"] == ["s-team"] for s in mine))

        missing = await self.ctl("room", "s-nowhere")
        self.assertEqual(missing.returncode, 1)
        self.assertIn("there is no room 's-nowhere'", missing.stderr)

    async def test_kick_closes_every_session_of_the_user_with_1008(self):
        phone, laptop, bob = await self.connect("k_ann"), await self.connect("k_ann"), await self.connect("k_bob")
        result = await self.ctl("kick", "k_ann")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "closed 2 sessions of k_ann")
        for device in (phone, laptop):
            with self.assertRaises(websockets.exceptions.ConnectionClosed) as closed:
                while True:
                    await device.recv(5)
            self.assertEqual(closed.exception.code, 1008)
            self.assertEqual(closed.exception.reason, "disconnected by the operator")
        await bob.send(op="ping", ref="p")
        await bob.until("pong", ref="p")

    async def test_broadcast_sends_a_stored_system_message(self):
        bob = await self.connect("b_bob")
        await bob.join("b-news")
        result = await self.ctl("broadcast", "b-news", "maintenance at 22:00")
        self.assertEqual(result.returncode, 0, result.stderr)
        message = await bob.until("message", room="b-news")
        self.assertEqual((message["from"], message["body"]), ("", "maintenance at 22:00"))
        self.assertEqual(result.stdout.strip(), f"sent {message['id']} to b-news")
        await bob.send(op="history", room="b-news", ref="h")
        page = await bob.until("history", ref="h")
        self.assertEqual([(m["from"], m["body"]) for m in page["messages"]], [("", "maintenance at 22:00")])
        nowhere = await self.ctl("broadcast", "b-nowhere", "hello?")
        self.assertEqual(nowhere.returncode, 1)
        self.assertIn("no room 'b-nowhere'", nowhere.stderr)

    async def test_reload_says_whether_natterd_took_the_new_config(self):
        result = await self.ctl("reload")
        self.assertEqual((result.returncode, result.stdout.strip()), (0, "reloaded"), result.stderr)
        with open(self.server.config_path) as f:
            good = f.read()
        try:
            with open(self.server.config_path, "w") as f:
                f.write(good.replace('log_level = "debug"', 'log_level = "loud"'))
            refused = await self.ctl("reload")
            self.assertEqual(refused.returncode, 1)
            self.assertIn("the reload was refused", refused.stderr)
        finally:
            with open(self.server.config_path, "w") as f:
                f.write(good)

    async def test_without_the_token_changes_are_refused_and_reading_on_loopback_is_not(self):
        refused = await self.ctl("kick", "r_ann", token=False)
        self.assertEqual(refused.returncode, 77)
        self.assertIn("needs the admin token", refused.stderr)
        allowed = await self.ctl("rooms", token=False)
        self.assertEqual(allowed.returncode, 0, allowed.stderr)
        with tempfile.NamedTemporaryFile("w", suffix=".token") as wrong:
            wrong.write("not-the-token-at-all-0000")
            wrong.flush()
            bad = await asyncio.to_thread(subprocess.run, [sys.executable, NATTERCTL, "--config", self.server.config_path,
                                                           "--token-file", wrong.name, "status"],
                                          capture_output=True, text=True, timeout=60)
        self.assertEqual(bad.returncode, 77)
        self.assertIn("wrong admin token", bad.stderr)


class NoTokenAndOffLoopbackTest(unittest.TestCase):
    def test_a_node_without_a_token_file_refuses_every_change(self):
        server = Natterd().start()
        try:
            result = natterctl(server, "drain")
            self.assertEqual(result.returncode, 77)
            self.assertIn("no admin_token_file", result.stderr)
            self.assertEqual(natterctl(server, "status").returncode, 0)
            self.assertIsNone(server.process.poll(), "natterd must still run")
        finally:
            server.close()

    def test_off_loopback_reading_needs_the_token_too(self):
        with tempfile.TemporaryDirectory(prefix="natterctl-") as d:
            server = Natterd(broker=f'admin_token_file = "{token_file(d)}"')
            with open(server.config_path) as f:
                config = f.read()
            with open(server.config_path, "w") as f:
                f.write(config.replace(f'admin_listen = "127.0.0.1:{server.admin_port}"',
                                       f'admin_listen = "0.0.0.0:{server.admin_port}"'))
            server.start()
            try:
                admin = f"127.0.0.1:{server.admin_port}"
                refused = natterctl(server, "rooms", token=False, admin=admin)
                self.assertEqual(refused.returncode, 77)
                self.assertIn("not on loopback", refused.stderr)
                self.assertEqual(natterctl(server, "rooms", admin=admin).returncode, 0)
            finally:
                server.close()


class DrainTest(unittest.IsolatedAsyncioTestCase):
    async def test_drain_closes_clients_with_1001_and_natterd_exits_cleanly(self):
        with tempfile.TemporaryDirectory(prefix="natterctl-") as d:
            server = Natterd(broker=f'admin_token_file = "{token_file(d)}"').start()
            try:
                ann = await Client.connect(server, "d_ann")
                result = await asyncio.to_thread(natterctl, server, "drain")
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertIn("draining", result.stdout)
                with self.assertRaises(websockets.exceptions.ConnectionClosed) as closed:
                    while True:
                        await ann.recv(10)
                self.assertEqual(closed.exception.code, 1001)
                self.assertEqual(await asyncio.to_thread(server.process.wait, 30), 0)
            finally:
                server.close()


if __name__ == "__main__":
    unittest.main()
