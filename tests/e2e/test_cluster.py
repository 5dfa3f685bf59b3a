"""Several natterd nodes joined by pubsub_redis, on a real redis-server and
one MariaDB, both started here: users spread over the nodes chat in rooms
and direct messages as on one node, every message reaches every member
exactly once, history reads the same from every node, and a Redis restart
mid-traffic costs no acked message."""

import asyncio
import os
import sys
import unittest

from natter_harness import Client, Natterd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from mariadb_server import MariaDB  # noqa: E402
from mosquitto_server import NATTER_PASSWORD, Mosquitto  # noqa: E402
from cuttable_link import CuttableLink  # noqa: E402
from nginx_server import Nginx  # noqa: E402
from redis_server import Redis  # noqa: E402


def pubsub_table(backend, bus):
    if backend == "mqtt":
        return (f'\n[pubsub]\nplugin = "mqtt"\nbroker = "{bus.address}"\npassword = "{NATTER_PASSWORD}"\n'
                f'keepalive_s = 5\nreconnect_max_s = 1\n')
    return (f'\n[pubsub]\nplugin = "redis"\naddress = "{bus.address}"\npassword = "{bus.password}"\n'
            f'timeout_ms = 500\nreconnect_max_ms = 500\n')


class Cluster:
    """`n` nodes on one MariaDB and one bus: a redis-server, or a mosquitto
    with the shipped config; `broker`: more [broker] keys."""

    def __init__(self, n, broker="", backend="redis"):
        self.bus = (Mosquitto(users=()) if backend == "mqtt" else Redis()).start()
        self.db = MariaDB().start()
        self.nodes = []
        try:
            for _ in range(n):
                self.nodes.append(Natterd(database=self.db, broker=broker, extra=pubsub_table(backend, self.bus)).start())
        except Exception:
            self.close()
            raise

    def close(self):
        for node in self.nodes:
            node.close()
        self.db.close()
        self.bus.close()


async def until_known(client, room, timeout=5.0):
    """Room state reaches the other nodes within milliseconds, not at once
    (docs/operations.md): asks `members` until the client's node stops
    answering no_such_room, as a client told of a room out of band would."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    attempt = 0
    while True:
        attempt += 1
        ref = f"known-{room}-{attempt}"
        await client.send(op="members", room=room, ref=ref)
        while True:
            reply = await client.recv(max(0.01, deadline - loop.time()))
            if reply.get("ref") == ref:
                break
            client.passed.append(reply)
        if reply.get("code") != "no_such_room":
            return
        if loop.time() > deadline:
            raise AssertionError(f"room {room} still unknown on {client.user}'s node")
        await asyncio.sleep(0.02)


async def collect(client, bodies, timeout=10.0):
    """Messages until every body in `bodies` arrived; then whatever else
    was on its way. Returns every message event seen."""
    seen = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not bodies <= {m["body"] for m in seen}:
        event = await client.recv(max(0.01, deadline - loop.time()))
        if event["type"] == "message":
            seen.append(event)
    seen += [e for e in await client.settle() if e["type"] == "message"]
    return seen


class ClusterChatTest(unittest.IsolatedAsyncioTestCase):
    backend = "redis"

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(3, backend=cls.backend)
        cls.nodes = cls.cluster.nodes

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    async def asyncSetUp(self):
        self.clients = []

    async def asyncTearDown(self):
        for client in self.clients:
            await client.close()

    async def connect(self, node, user):
        client = await Client.connect(self.nodes[node], user)
        self.clients.append(client)
        return client

    async def test_members_on_three_nodes_hear_every_message_once_and_history_agrees(self):
        ann = await self.connect(0, "c_ann")
        await ann.send(op="create_room", room="c-team", kind="public", ref="c")
        await ann.until("joined", ref="c")
        bob = await self.connect(1, "c_bob")
        cy = await self.connect(2, "c_cy")
        # The room made on node 0 is known on nodes 1 and 2.
        await until_known(bob, "c-team")
        await until_known(cy, "c-team")
        await bob.join("c-team")
        await cy.join("c-team")
        await ann.until("joined", user="c_cy")
        bodies = set()
        for i in range(20):
            for client in (ann, bob, cy):
                body = f"{client.user} {i}"
                bodies.add(body)
                await client.say("c-team", body, ref=f"{client.user}-{i}")
        for client in (ann, bob, cy):
            seen = await collect(client, bodies)
            counts = {}
            for m in seen:
                counts[m["body"]] = counts.get(m["body"], 0) + 1
            self.assertEqual({b for b, n in counts.items() if n != 1}, set(),
                             f"{client.user} heard these more than once")
            self.assertEqual(set(counts), bodies, f"{client.user} missed some")
        pages = []
        for node, client in enumerate((ann, bob, cy)):
            await client.send(op="history", room="c-team", limit=100, ref=f"h{node}")
            page = await client.until("history", ref=f"h{node}")
            pages.append([m["id"] for m in page["messages"]])
        self.assertEqual(len(pages[0]), 60)
        self.assertEqual(pages[0], pages[1])
        self.assertEqual(pages[0], pages[2])

    async def test_a_direct_message_reaches_every_device_on_every_node(self):
        ann = await self.connect(0, "d_ann")
        bob_phone = await self.connect(1, "d_bob")
        bob_laptop = await self.connect(2, "d_bob")
        await ann.send(op="send", to="d_bob", body="hello across", ref="dm1")
        ack = await ann.until("ack", ref="dm1")
        for device in (bob_phone, bob_laptop):
            got = await device.until("message", body="hello across")
            self.assertEqual(got["room"], ack["room"])
            self.assertEqual([m for m in await device.settle() if m["type"] == "message"], [])
        # From a node bob is on; it may come before the ack, which waits for storage.
        receipt = next((e for e in ann.passed if e["type"] == "delivered"), None)
        receipt = receipt or await ann.until("delivered", room=ack["room"])
        self.assertEqual((receipt["user"], receipt["id"]), ("d_bob", ack["id"]))
        await bob_laptop.send(op="send", to="d_ann", body="hello back", ref="dm2")
        self.assertEqual((await ann.until("message", body="hello back"))["from"], "d_bob")
        await bob_phone.until("message", body="hello back")  # the sender's other device

    async def test_typing_edits_and_read_markers_cross_nodes(self):
        ann = await self.connect(0, "t_ann")
        await ann.join("t-room")
        bob = await self.connect(2, "t_bob")
        await bob.join("t-room")
        await ann.until("joined", user="t_bob")
        await ann.send(op="typing", room="t-room")
        typing = await bob.until("typing", room="t-room")
        self.assertEqual(typing["users"], ["t_ann"])
        await ann.say("t-room", "first draft", ref="m")
        sent = await ann.until("ack", ref="m")
        await bob.until("message", body="first draft")
        await ann.send(op="edit", room="t-room", id=sent["id"], body="final", ref="e")
        edited = await bob.until("edited", room="t-room")
        self.assertEqual((edited["id"], edited["body"]), (sent["id"], "final"))
        await bob.send(op="read", room="t-room", id=sent["id"], ref="r")
        marker = await ann.until("read", room="t-room", user="t_bob")
        self.assertEqual(marker["id"], sent["id"])

    async def test_a_private_room_and_its_invitation_work_across_nodes(self):
        owner = await self.connect(0, "p_owner")
        await owner.send(op="create_room", room="p-secret", kind="private", ref="c")
        await owner.until("joined", ref="c")
        guest = await self.connect(1, "p_guest")
        await until_known(guest, "p-secret")
        await guest.send(op="join", room="p-secret", ref="j1")
        self.assertEqual((await guest.until("error", ref="j1"))["code"], "not_invited")
        await owner.send(op="invite", room="p-secret", user="p_guest", ref="i")
        invited = await guest.until("invited", room="p-secret")
        self.assertEqual(invited["by"], "p_owner")
        await guest.send(op="join", room="p-secret", ref="j2")
        await guest.until("joined", ref="j2")
        await owner.send(op="kick", room="p-secret", user="p_guest", ref="k")
        left = await guest.until("left", room="p-secret")
        self.assertEqual(left["by"], "p_owner")

    async def test_one_trace_id_follows_a_message_through_the_logs_of_both_nodes(self):
        ann = await self.connect(0, "t_ann")
        await ann.join("t-trace")
        bob = await self.connect(1, "t_bob")
        await until_known(bob, "t-trace")
        await bob.join("t-trace")
        await ann.until("joined", user="t_bob")
        trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        await ann.send(op="send", room="t-trace", body="traced", ref="t1",
                       traceparent=f"00-{trace}-00f067aa0ba902b7-01")
        ack = await ann.until("ack", ref="t1")
        self.assertEqual(ack["trace_id"], trace)
        await bob.until("message", body="traced")
        # Without one, the node starts a trace of its own, and it crosses too.
        await ann.say("t-trace", "traced by natter", ref="t2")
        own = (await ann.until("ack", ref="t2"))["trace_id"]
        self.assertRegex(own, r"^[0-9a-f]{32}$")
        self.assertNotEqual(own, trace)
        await bob.until("message", body="traced by natter")
        origin = ann.welcome["node"]
        await bob.settle()  # node 1 has logged both arrivals by now
        self.assertIn(f"message {ack['id']} in 't-trace' from t_ann accepted, trace {trace}", self.nodes[0].log())
        self.assertIn(f"message {ack['id']} stored, trace {trace}", self.nodes[0].log())
        self.assertIn(f"message {ack['id']} in 't-trace' from t_ann arrived from node {origin}, trace {trace}",
                      self.nodes[1].log())
        self.assertIn(f"arrived from node {origin}, trace {own}", self.nodes[1].log())
        # A traceparent that is not one is refused, and nothing is sent.
        await ann.send(op="send", room="t-trace", body="untraceable", ref="t3",
                       traceparent=f"00-{trace.upper()}-00f067aa0ba902b7-01")
        refused = await ann.until("error", ref="t3")
        self.assertEqual(refused["code"], "bad_request")
        self.assertIn("W3C trace context", refused["message"])
        self.assertNotIn("untraceable", [event.get("body") for event in await bob.settle()])

    async def test_clients_through_nginx_from_the_shipped_config_reach_every_node_and_chat(self):
        site = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "config", "examples",
                            "nginx-natter.conf")
        nginx = Nginx(site, [node.port for node in self.nodes]).start()
        try:
            front = type("Front", (), {"url": f"ws://127.0.0.1:{nginx.port}/ws"})()
            clients = []
            for i in range(6):
                client = await Client.connect(front, f"n_user{i}")
                self.clients.append(client)
                clients.append(client)
                await client.join("n-room")
            nodes = {c.welcome["node"] for c in clients}
            self.assertEqual(len(nodes), 3, f"nginx spread 6 clients over {nodes} only")
            await clients[0].until("joined", user="n_user5")
            await clients[5].say("n-room", "through the front door", ref="f")
            for client in clients:
                await client.until("message", body="through the front door")
        finally:
            nginx.close()


class MqttClusterChatTest(ClusterChatTest):
    """The same, with the nodes joined through mosquitto (pubsub mqtt)."""
    backend = "mqtt"


def kill_mosquitto(bus):
    """Mosquitto gone without saving, and its saved state with it: every
    session is lost, as on a crash of a broker without persistence."""
    bus.process.kill()
    bus.process.wait()
    bus.process = None
    db = os.path.join(bus.dir, "mosquitto.db")
    if os.path.exists(db):
        os.remove(db)


class BusRestartTest(unittest.IsolatedAsyncioTestCase):
    """The bus goes away mid-traffic and comes back: no node crashes, and
    every acked message reaches the other node's members, exactly once."""

    async def outage(self, backend, stop):
        cluster = Cluster(2, backend=backend)
        try:
            ann = await Client.connect(cluster.nodes[0], "r_ann")
            bob = await Client.connect(cluster.nodes[1], "r_bob")
            await ann.join("r-room")
            await bob.join("r-room")
            await ann.say("r-room", "before", ref="b")
            await bob.until("message", body="before")
            stop(cluster.bus)
            acked = []
            for i in range(10):
                await ann.say("r-room", f"during {i}", ref=f"d{i}")
                acked.append((await ann.until("ack", ref=f"d{i}"))["id"])
            cluster.bus.start()
            for i in range(5):
                await ann.say("r-room", f"after {i}", ref=f"a{i}")
            bodies = {f"during {i}" for i in range(10)} | {f"after {i}" for i in range(5)}
            seen = await collect(bob, bodies, timeout=20)
            self.assertEqual(sorted(m["body"] for m in seen), sorted(bodies), "each exactly once")
            self.assertTrue(set(acked) <= {m["id"] for m in seen})
            for node in cluster.nodes:
                self.assertIsNone(node.process.poll(), "a node exited")
            # A client that reconnects with since, to the other node, misses nothing either.
            late = await Client.connect(cluster.nodes[1], "r_cy")
            await late.send(op="join", room="r-room", since="0", ref="j")
            replayed = await collect(late, bodies | {"before"})
            self.assertEqual(len(replayed), 16)
            for client in (ann, bob, late):
                await client.close()
            # The node heard of the gap (messages may have come through
            # before it did: MQTT's queued publications).
            for _ in range(100):
                if "pub/sub plugin may have missed" in cluster.nodes[1].log():
                    break
                await asyncio.sleep(0.1)
            return cluster.nodes[1].log()
        finally:
            cluster.close()

    async def test_redis_restarted_mid_traffic(self):
        log = await self.outage("redis", lambda bus: bus.stop())
        self.assertIn("pub/sub plugin may have missed what other nodes published: lost Redis", log)

    async def test_mosquitto_killed_and_its_sessions_lost_mid_traffic(self):
        log = await self.outage("mqtt", kill_mosquitto)
        self.assertIn("pub/sub plugin may have missed what other nodes published: the MQTT broker lost this "
                      "node's session", log)


class PartitionTest(unittest.IsolatedAsyncioTestCase):
    """Only one node loses Redis (its link is cut, Redis and the other node
    carry on): what it acked meanwhile is stored but reached nobody. Once it
    is back it says so, and the other node reads those messages back."""

    async def test_a_node_cut_off_from_redis_has_its_messages_read_back_elsewhere(self):
        redis, db = Redis().start(), MariaDB().start()
        link = CuttableLink(redis.port)
        nodes = []
        try:
            for address in (f"127.0.0.1:{link.port}", redis.address):
                pubsub = (f'\n[pubsub]\nplugin = "redis"\naddress = "{address}"\npassword = "{redis.password}"\n'
                          f'timeout_ms = 500\nreconnect_max_ms = 500\n')
                nodes.append(Natterd(database=db, extra=pubsub).start())
            ann = await Client.connect(nodes[0], "x_ann")
            bob = await Client.connect(nodes[1], "x_bob")
            await ann.join("x-room")
            await until_known(bob, "x-room")
            await bob.join("x-room")
            await ann.say("x-room", "before", ref="b")
            await bob.until("message", body="before")
            # Past the read-back a new subscription makes a second later,
            # which would find these messages too.
            await asyncio.sleep(1.5)
            link.cut()
            for _ in range(100):  # node 0 notices (its ping goes unanswered)
                if "pub/sub plugin may have missed" in nodes[0].log() or "lost Redis" in nodes[0].log():
                    break
                await asyncio.sleep(0.1)
            bodies = {f"cut off {i}" for i in range(3)}
            for i in range(3):
                await ann.say("x-room", f"cut off {i}", ref=f"c{i}")
                await ann.until("ack", ref=f"c{i}")
            link.restore()
            seen = await collect(bob, bodies, timeout=20)
            self.assertEqual(sorted(m["body"] for m in seen), sorted(bodies), "each exactly once")
            self.assertIn("was cut off from the pub/sub backend", nodes[1].log())
            for client in (ann, bob):
                await client.close()
        finally:
            for node in nodes:
                node.close()
            link.close()
            db.close()
            redis.close()


class NodeDeathTest(unittest.IsolatedAsyncioTestCase):
    """One node killed with SIGKILL: its users show offline on the others
    within node_timeout_ms + offline_after_ms, the others keep serving,
    and a client that reconnects to a survivor with since misses nothing
    that was acked."""

    NODE_TIMEOUT_MS = 1500
    OFFLINE_AFTER_MS = 500

    async def test_a_killed_nodes_users_go_offline_and_its_acked_messages_survive(self):
        cluster = Cluster(3, broker=f"node_timeout_ms = {self.NODE_TIMEOUT_MS}\n"
                                    f"offline_after_ms = {self.OFFLINE_AFTER_MS}")
        clients = []
        try:
            ann = await Client.connect(cluster.nodes[0], "k_ann")
            bob = await Client.connect(cluster.nodes[1], "k_bob")
            cy = await Client.connect(cluster.nodes[2], "k_cy")
            clients += [ann, bob, cy]
            for client in (ann, bob, cy):
                await client.join("k-room")
            await ann.until("joined", user="k_cy")
            # Presence spans the nodes: bob, on node 1, sees ann online on node 0.
            await bob.send(op="presence", users=["k_ann", "k_nobody"], ref="p")
            answer = await bob.until("presence", ref="p")
            self.assertEqual([(u["user"], u["online"]) for u in answer["users"]],
                             [("k_ann", True), ("k_nobody", False)])
            acked = []
            for i in range(20):
                await ann.say("k-room", f"k {i}", ref=f"k{i}")
            for i in range(20):
                acked.append((await ann.until("ack", ref=f"k{i}"))["id"])
            first = acked[0]
            cluster.nodes[0].process.kill()
            killed_at = asyncio.get_running_loop().time()
            cluster.nodes[0].process.wait()
            gone = await bob.until("presence", timeout=10)
            waited_ms = (asyncio.get_running_loop().time() - killed_at) * 1000
            self.assertEqual([(u["user"], u["online"]) for u in gone["users"]], [("k_ann", False)])
            self.assertLessEqual(waited_ms, self.NODE_TIMEOUT_MS + self.OFFLINE_AFTER_MS + 1000)
            self.assertGreater(gone["users"][0]["last_seen"], 0)
            # The survivors keep serving each other.
            await bob.say("k-room", "still here", ref="s")
            await cy.until("message", body="still here")
            # ann comes back on node 2 and misses nothing acked.
            back = await Client.connect(cluster.nodes[2], "k_ann")
            clients.append(back)
            await back.send(op="join", room="k-room", since=str(int(first) - 1), ref="j")
            replayed = await collect(back, {f"k {i}" for i in range(20)} | {"still here"})
            self.assertTrue(set(acked) <= {m["id"] for m in replayed})
            self.assertEqual(len(replayed), 21)
            # Node 2 may not have shown her offline yet (she came back within
            # its debounce); either way she is online now.
            await cy.send(op="presence", users=["k_ann"], ref="p2")
            answer = await cy.until("presence", ref="p2")
            self.assertEqual([(u["user"], u["online"]) for u in answer["users"]], [("k_ann", True)])
        finally:
            for client in clients:
                try:
                    await client.close()
                except Exception:
                    pass
            cluster.close()


class OlderPubSubTest(unittest.IsolatedAsyncioTestCase):
    async def test_a_pubsub_plugin_built_for_abi_1_8_loads_and_its_echoes_are_dropped(self):
        fixture = os.path.join(os.environ["NATTER_FIXTURE_DIR"], "fixture_abi_1_8_pubsub.so")
        server = Natterd(extra=f'\n[pubsub]\nplugin = "{fixture}"\n').start()
        try:
            ann = await Client.connect(server, "o_ann")
            bob = await Client.connect(server, "o_bob")
            await ann.join("o-room")
            await bob.join("o-room")
            await ann.say("o-room", "once", ref="m")
            await bob.until("message", body="once")
            await ann.until("message", body="once")
            for client in (ann, bob):
                self.assertEqual([e for e in await client.settle() if e["type"] == "message"], [],
                                 "the plugin's echo of its own publication was delivered again")
                await client.close()
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
