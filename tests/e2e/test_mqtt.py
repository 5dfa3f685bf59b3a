"""transport_mqtt through a real Mosquitto this module starts from the
shipped config (config/examples/mosquitto/: password file and ACL):
Debian's mosquitto_pub and mosquitto_sub chat with a WebSocket client in
one room, with the same acks, history, errors and presence; a device
logged in as alice cannot publish as bob; Mosquitto restarted mid-traffic
costs no acked message."""

import asyncio
import json
import re
import signal
import subprocess
import unittest

from natter_harness import Client, Natterd
from mosquitto_server import NATTER_PASSWORD, Mosquitto

mosquitto = None


def setUpModule():
    global mosquitto
    mosquitto = Mosquitto().start()


def tearDownModule():
    mosquitto.close()


class Device:
    """One MQTT device: a mosquitto_pub -l that stays connected as client id
    `device` (commands, one JSON line each), and a mosquitto_sub on the
    user's events (as `device`-rx)."""

    @classmethod
    async def open(cls, user, device):
        self = cls()
        self.user, self.device = user, device
        self.sub = await asyncio.create_subprocess_exec(
            "stdbuf", "-oL", "mosquitto_sub", *mosquitto.client_args(user, f"{device}-rx"), "-t", f"natter/out/{user}/{device}",
            "-q", "1", "-d", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        while b"SUBACK" not in await asyncio.wait_for(self.sub.stdout.readline(), 10):
            pass
        self.pub = await asyncio.create_subprocess_exec(
            "mosquitto_pub", *mosquitto.client_args(user, device), "-t", f"natter/in/{user}/{device}", "-q", "1",
            "-l", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        self.passed = []
        return self

    async def send(self, **command):
        self.pub.stdin.write(json.dumps(command).encode() + b"\n")
        await self.pub.stdin.drain()

    async def send_raw(self, text):
        self.pub.stdin.write(text.encode() + b"\n")
        await self.pub.stdin.drain()

    async def recv(self, timeout=10):
        while True:
            line = (await asyncio.wait_for(self.sub.stdout.readline(), timeout)).strip()
            if not line:
                raise EOFError("mosquitto_sub ended")
            if line.startswith(b"{"):
                return json.loads(line)

    async def until(self, type_, timeout=10, **fields):
        while True:
            event = await self.recv(timeout)
            if event["type"] == type_ and all(event.get(k) == v for k, v in fields.items()):
                return event
            self.passed.append(event)

    def kill(self):
        """The device drops off the network: no goodbye, no will."""
        for process in (self.pub, self.sub):
            if process.returncode is None:
                process.send_signal(signal.SIGKILL)

    async def close(self):
        self.kill()
        for process in (self.pub, self.sub):
            await process.wait()


def metric(server, name):
    _, text = server.admin("/metrics")
    match = re.search(rf"^{name} (\d+)", text, re.M)
    return int(match.group(1)) if match else None


class MqttTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Natterd(extra=f"""
[[transport]]
plugin = "mqtt"
broker = "{mosquitto.address}"
username = "natter"
password = "{NATTER_PASSWORD}"
linger_ms = 1000
reconnect_max_s = 1
""").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    async def asyncSetUp(self):
        self.closing = []
        for _ in range(100):
            if metric(self.server, "natter_plugin_mqtt_connected") == 1:
                break
            await asyncio.sleep(0.05)

    async def asyncTearDown(self):
        for thing in self.closing:
            await thing.close()

    async def device(self, user, device):
        made = await Device.open(user, device)
        self.closing.append(made)
        return made

    async def ws(self, user):
        client = await Client.connect(self.server, user)
        self.closing.append(client)
        return client

    async def test_1_mqtt_and_websocket_chat_in_one_room_alike(self):
        ann = await self.ws("ann")
        await ann.join("mq")
        alice = await self.device("alice", "phone")
        await alice.send(op="join", room="mq", ref="j")
        self.assertEqual((await alice.until("welcome"))["user"], "alice")
        joined = await alice.until("joined", ref="j")
        self.assertEqual(joined["room"], "mq")
        await alice.send(op="send", room="mq", body="hello from mqtt", ref="s1")
        ack = await alice.until("ack", ref="s1")
        delivered = await ann.until("message", body="hello from mqtt")
        self.assertEqual((delivered["from"], delivered["id"]), ("alice", ack["id"]))
        await ann.say("mq", "hello from ws", ref="w1")
        await ann.until("ack", ref="w1")
        self.assertEqual((await alice.until("message", body="hello from ws"))["from"], "ann")
        # History, from either side, is the same.
        await alice.send(op="history", room="mq", ref="h")
        await ann.send(op="history", room="mq", ref="h")
        self.assertEqual((await alice.until("history", ref="h"))["messages"],
                         (await ann.until("history", ref="h"))["messages"])
        # Presence: the device is online like any session.
        await ann.send(op="presence", users=["alice"], ref="p")
        self.assertTrue((await ann.until("presence", ref="p"))["users"][0]["online"])

    async def test_2_bad_input_gets_the_same_errors_as_over_websocket(self):
        bob = await self.device("bob", "laptop")
        ws_bob = await self.ws("bob_ws")
        cases = [("{not json", None), ('{"op":"fly","ref":"u"}', "u"), ('{"op":"send","ref":"m"}', "m"),
                 (json.dumps({"op": "send", "room": "mq", "body": "x" * 70000, "ref": "big"}), None)]
        for text, ref in cases:
            with self.subTest(text=text[:30]):
                await bob.send_raw(text)
                error = await bob.until("error")
                self.assertEqual(error["code"], "bad_request")
                await ws_bob.ws.send(text if len(text) < 4000 else '{"op":"ping"')
                ws_error = await ws_bob.until("error")
                if len(text) < 4000:
                    self.assertEqual(error["message"], ws_error["message"])
                    self.assertEqual(error.get("ref"), ref)
        self.assertIn("message too big (", error["message"])

    async def test_3_mqtt5_correlation_data_answers_as_ref(self):
        sub = await Device.open("alice", "tablet")
        self.closing.append(sub)
        subprocess.run(["mosquitto_pub", *mosquitto.client_args("alice", "tablet"), "-t", "natter/in/alice/tablet",
                        "-q", "1", "-D", "publish", "correlation-data", "corr-7", "-m", '{"op":"ping"}'], check=True)
        self.assertEqual((await sub.until("pong"))["ref"], "corr-7")

    async def test_4_alice_cannot_send_as_bob(self):
        ann = await self.ws("ann2")
        await ann.join("mq_guard")
        before = metric(self.server, "natter_plugin_mqtt_commands_total")
        forged = json.dumps({"op": "send", "room": "mq_guard", "body": "forged", "ref": "f"})
        result = subprocess.run(["mosquitto_pub", *mosquitto.client_args("alice", "phone9"), "-t",
                                 "natter/in/bob/phone9", "-q", "1", "-m", forged], capture_output=True, text=True)
        self.assertIn("Not authorized", result.stderr)
        # Nor with alice's own client id under bob's name.
        result = subprocess.run(["mosquitto_pub", *mosquitto.client_args("alice", "phone9"), "-t",
                                 "natter/in/alice/other", "-q", "1", "-m", forged], capture_output=True, text=True)
        self.assertIn("Not authorized", result.stderr)
        events = await ann.settle()
        self.assertFalse([e for e in events if e.get("body") == "forged"])
        await ann.send(op="history", room="mq_guard", ref="h")
        self.assertEqual((await ann.until("history", ref="h"))["messages"], [])
        self.assertEqual(metric(self.server, "natter_plugin_mqtt_commands_total"), before)

    async def test_5_a_device_that_drops_off_goes_offline_after_linger(self):
        cat = await self.device("bob", "watch")
        await cat.send(op="ping", ref="hi")
        await cat.until("pong", ref="hi")
        ann = await self.ws("ann3")
        await ann.send(op="presence", users=["bob"], ref="p1")
        self.assertTrue((await ann.until("presence", ref="p1"))["users"][0]["online"])
        cat.kill()
        for attempt in range(60):
            await asyncio.sleep(0.2)
            await ann.send(op="presence", users=["bob"], ref=f"p{attempt + 2}")
            if not (await ann.until("presence", ref=f"p{attempt + 2}"))["users"][0]["online"]:
                break
        else:
            self.fail("bob is still online 12 s after his only device dropped off")

    async def test_6_mosquitto_restarted_mid_traffic_loses_no_acked_message(self):
        ann = await self.ws("ann4")
        await ann.join("mq_restart")
        alice = await self.device("alice", "car")
        await alice.send(op="join", room="mq_restart", ref="j")
        await alice.until("joined", ref="j")
        acked = []
        for i in range(5):
            await alice.send(op="send", room="mq_restart", body=f"before {i}", ref=f"b{i}")
            acked.append((await alice.until("ack", ref=f"b{i}"))["id"])
        mosquitto.stop()
        # natter keeps serving WebSocket clients meanwhile.
        for i in range(5):
            await ann.say("mq_restart", f"during {i}", ref=f"d{i}")
            acked.append((await ann.until("ack", ref=f"d{i}"))["id"])
        await alice.close()
        mosquitto.start()
        for _ in range(200):
            if metric(self.server, "natter_plugin_mqtt_connected") == 1:
                break
            await asyncio.sleep(0.05)
        self.assertEqual(metric(self.server, "natter_plugin_mqtt_connected"), 1)
        self.assertGreaterEqual(metric(self.server, "natter_plugin_mqtt_reconnects_total"), 1)
        again = await self.device("alice", "car2")
        await again.send(op="join", room="mq_restart", ref="j2")
        await again.until("joined", ref="j2")
        for i in range(5):
            await again.send(op="send", room="mq_restart", body=f"after {i}", ref=f"a{i}")
            acked.append((await again.until("ack", ref=f"a{i}"))["id"])
        await ann.send(op="history", room="mq_restart", ref="h", limit=100)
        stored = [m["id"] for m in (await ann.until("history", ref="h"))["messages"]]
        self.assertEqual(sorted(stored), sorted(acked))
        self.assertIsNone(self.server.process.poll())


if __name__ == "__main__":
    unittest.main()
