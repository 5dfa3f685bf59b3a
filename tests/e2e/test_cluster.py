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
from nginx_server import Nginx  # noqa: E402
from redis_server import Redis  # noqa: E402


def pubsub_table(redis):
    return (f'\n[pubsub]\nplugin = "redis"\naddress = "{redis.address}"\npassword = "{redis.password}"\n'
            f'timeout_ms = 500\nreconnect_max_ms = 500\n')


class Cluster:
    """`n` nodes on one Redis and one MariaDB."""

    def __init__(self, n):
        self.redis = Redis().start()
        self.db = MariaDB().start()
        self.nodes = []
        try:
            for _ in range(n):
                self.nodes.append(Natterd(database=self.db, extra=pubsub_table(self.redis)).start())
        except Exception:
            self.close()
            raise

    def close(self):
        for node in self.nodes:
            node.close()
        self.db.close()
        self.redis.close()


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
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(3)
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


class RedisRestartTest(unittest.IsolatedAsyncioTestCase):
    async def test_messages_sent_while_redis_restarts_reach_the_other_node_from_storage(self):
        cluster = Cluster(2)
        try:
            ann = await Client.connect(cluster.nodes[0], "r_ann")
            bob = await Client.connect(cluster.nodes[1], "r_bob")
            await ann.join("r-room")
            await bob.join("r-room")
            await ann.say("r-room", "before", ref="b")
            await bob.until("message", body="before")
            cluster.redis.stop()
            acked = []
            for i in range(10):
                await ann.say("r-room", f"during {i}", ref=f"d{i}")
                acked.append((await ann.until("ack", ref=f"d{i}"))["id"])
            cluster.redis.start()
            for i in range(5):
                await ann.say("r-room", f"after {i}", ref=f"a{i}")
            bodies = {f"during {i}" for i in range(10)} | {f"after {i}" for i in range(5)}
            seen = await collect(bob, bodies, timeout=20)
            self.assertEqual(sorted(m["body"] for m in seen), sorted(bodies), "each exactly once")
            self.assertTrue(set(acked) <= {m["id"] for m in seen})
            self.assertIn("pub/sub plugin may have missed", cluster.nodes[1].log())
            # A client that reconnects with since, to the other node, misses nothing either.
            late = await Client.connect(cluster.nodes[1], "r_cy")
            await late.send(op="join", room="r-room", since="0", ref="j")
            replayed = await collect(late, bodies | {"before"})
            self.assertEqual(len(replayed), 16)
            for client in (ann, bob, late):
                await client.close()
        finally:
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
