"""Runs natterd as a real process on a free loopback port, and talks to it
with the `websockets` library (Debian's python3-websockets), a client
nobody here wrote."""

import asyncio
import atexit
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import sys
import time
import unittest
import weakref

import websockets

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))

NATTERD = os.environ.get("NATTERD", "natterd")
# Which storage plugin end-to-end tests run on: "sqlite" (default) or
# "mariadb", for which the harness starts a private MariaDB server.
STORAGE = os.environ.get("NATTER_TEST_STORAGE", "sqlite")


def free_ports(count):
    """`count` loopback ports free a moment ago, all different: each is held
    while the next is chosen (one at a time, the kernel may hand the same
    port out twice, and natterd then cannot bind its second listener)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


# Every Natterd not yet closed: whatever a test does (a setUp that fails
# after starting one, say), none outlives the test process.
_open_servers = weakref.WeakSet()
atexit.register(lambda: [server.close() for server in list(_open_servers)])


class Natterd:
    """One natterd process with its own config and database in a temp dir."""

    def __init__(self, workdir=None, broker="", storage="", extra="", max_message_bytes=4096,
                 backend=None, close_timeout_ms=2000, database=None):
        """`database`: a running MariaDB (tests/fixtures/mariadb_server.py)
        to share with other nodes; it is the caller's to close."""
        self._own_dir = None
        if workdir is None:
            self._own_dir = tempfile.TemporaryDirectory(prefix="natter-e2e-")
            workdir = self._own_dir.name
        self.workdir = workdir
        self.port, self.admin_port = free_ports(2)
        self.database = None
        self._own_database = database is None
        if database is not None or (backend or STORAGE) == "mariadb":
            from mariadb_server import MariaDB, PASSWORD, USER
            self.database = database or MariaDB().start()
            storage_table = (f'plugin = "mariadb"\nservers = ["127.0.0.1:{self.database.port}"]\n'
                             f'user = "{USER}"\npassword = "{PASSWORD}"\n')
        else:
            storage_table = f'plugin = "sqlite"\npath = "{workdir}/history.db"\nsynchronous = "normal"\n'
        # Its own node id, so ids stored by another test's natterd (cross-talk
        # between tests running alongside) show as such.
        self.node_id = 1 + (os.getpid() * 31 + self.port) % 1023
        self.config_path = os.path.join(workdir, "natter.toml")
        self.log_path = os.path.join(workdir, "natterd.log")
        with open(self.config_path, "w") as f:
            f.write(f"""[broker]
node_id = {self.node_id}
log_level = "debug"
admin_listen = "127.0.0.1:{self.admin_port}"
{broker}

[storage]
{storage_table}{storage}

[[transport]]
plugin = "websocket"
listen = "127.0.0.1:{self.port}"
path = "/ws"
max_message_bytes = {max_message_bytes}
close_timeout_ms = {close_timeout_ms}
{extra}
""")
        self.process = None
        self._started = False
        _open_servers.add(self)

    def admin(self, path):
        """(status, body) of a GET on the admin endpoint."""
        import urllib.error
        import urllib.request
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}{path}", timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    @property
    def url(self):
        with open(self.config_path) as f:
            tls = "\ntls_cert = " in f.read()
        # On TLS, by name: the test certificates are issued to localhost.
        return f"wss://localhost:{self.port}/ws" if tls else f"ws://127.0.0.1:{self.port}/ws"

    def start(self):
        # A port free when chosen can be taken before natterd binds it (by a
        # test running alongside, or a client's ephemeral port): on the
        # first start only, choose new ones and try again.
        for attempt in range(3):
            try:
                return self._start_once()
            except RuntimeError:
                if self._started or attempt == 2 or "Address already in use" not in self.log():
                    raise
                self._choose_new_ports()

    def _choose_new_ports(self):
        with open(self.config_path) as f:
            text = f.read()
        new_port, new_admin_port = free_ports(2)
        # In one pass: a new port may equal the other old one.
        moves = {f'127.0.0.1:{self.port}"': f'127.0.0.1:{new_port}"',
                 f'127.0.0.1:{self.admin_port}"': f'127.0.0.1:{new_admin_port}"'}
        text = re.sub("|".join(map(re.escape, moves)), lambda m: moves[m.group(0)], text)
        self.port, self.admin_port = new_port, new_admin_port
        with open(self.config_path, "w") as f:
            f.write(text)
        os.truncate(self.log_path, 0)

    def _start_once(self):
        self._log = open(self.log_path, "ab")
        earlier = self._log.tell()  # a restart appends to the log of the last run
        self.process = subprocess.Popen([NATTERD, "--config", self.config_path],
                                        stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self._log.close()
                self.process = None
                raise RuntimeError(f"natterd exited with {code}:\n{self.log()}")
            # Its own log, not a connect: another test's server may be
            # listening on the port this one failed to bind.
            with open(self.log_path, "rb") as f:
                f.seek(earlier)
                ready = b" ready: node " in f.read()
            if ready:
                self._started = True
                return self
            time.sleep(0.05)
        raise RuntimeError("natterd did not become ready:\n" + self.log())

    async def reload_until(self, text):
        """Sends SIGHUP and waits until the log has one more line with `text`."""
        seen = self.log().count(text)
        self.process.send_signal(signal.SIGHUP)
        for _ in range(100):
            if self.log().count(text) > seen:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"no '{text}' in the log after SIGHUP:\n{self.log()[-2000:]}")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Sends `sig` and returns the exit code."""
        if self.process is None:
            return None
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._log.close()
            self.process = None
        return code

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def close(self):
        if self.process is not None:
            self.stop(signal.SIGKILL)
        if self.database is not None and self._own_database:
            self.database.close()
            self.database = None
        if self._own_dir is not None:
            self._own_dir.cleanup()


class Client:
    """One natter.v1 WebSocket client."""

    def __init__(self, ws, welcome):
        self.ws = ws
        self.welcome = welcome
        self.user = welcome["user"]
        self.passed = []  # what until() went past

    @classmethod
    async def connect(cls, server, user, ssl=None):
        """`ssl`: the client's ssl.SSLContext, for a server on TLS."""
        tls = {"ssl": ssl} if ssl else {}
        ws = await websockets.connect(f"{server.url}?user={user}", subprotocols=["natter.v1"],
                                      max_size=None, ping_interval=None, **tls)
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert welcome["type"] == "welcome", welcome
        return cls(ws, welcome)

    async def send(self, **command):
        await self.ws.send(json.dumps(command))

    async def recv(self, timeout=5.0):
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def expect(self, type_, timeout=5.0, **fields):
        """The next event, which must be of `type_` and carry `fields`."""
        event = await self.recv(timeout)
        assert event["type"] == type_, f"expected {type_}, got {event}"
        for key, value in fields.items():
            assert event.get(key) == value, f"expected {key}={value!r} in {event}"
        return event

    async def next_of(self, type_, timeout=5.0):
        """The next event of `type_`, skipping others' joins and leaves."""
        deadline = time.monotonic() + timeout
        while True:
            event = await self.recv(max(0.01, deadline - time.monotonic()))
            if event["type"] == type_:
                return event
            assert event["type"] in ("joined", "left"), f"expected {type_}, got {event}"

    async def until(self, type_, timeout=5.0, **fields):
        """The next event of `type_` with `fields`; the events before it are
        kept in self.passed, oldest first."""
        deadline = time.monotonic() + timeout
        while True:
            event = await self.recv(max(0.01, deadline - time.monotonic()))
            if event["type"] == type_ and all(event.get(k) == v for k, v in fields.items()):
                return event
            self.passed.append(event)

    async def settle(self, timeout=5.0):
        """Every event that was on its way, up to the answer to a ping sent
        now: after it, nothing the server did before is still coming."""
        await self.send(op="ping", ref="settle")
        events = []
        while True:
            event = await self.recv(timeout)
            if event["type"] == "pong" and event.get("ref") == "settle":
                return events
            events.append(event)

    async def join(self, room, **extra):
        await self.send(op="join", room=room, ref="join-" + room, **extra)
        return await self.expect("joined", room=room, ref="join-" + room)

    async def say(self, room, body, ref):
        await self.send(op="send", room=room, body=body, ref=ref)

    async def close(self):
        await self.ws.close()


class ServerTest(unittest.IsolatedAsyncioTestCase):
    """Tests that share one natterd per class (configured by `broker`), each
    closing the clients it connected."""

    broker = ""
    extra = ""  # appended to the transport's table: more keys, or more tables

    @classmethod
    def setUpClass(cls):
        cls.server = Natterd(broker=cls.broker, extra=cls.extra).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def setUp(self):
        self.clients = []

    async def asyncTearDown(self):
        for client in self.clients:
            await client.close()

    async def connect(self, user):
        client = await Client.connect(self.server, user)
        self.clients.append(client)
        return client
