"""Offline notifications as a receiver sees them: a test HTTP server stands
in for a push gateway. A direct message or an @mention reaching a user with
no session becomes one signed POST per user per debounce window; nothing
is sent about users who are online; while the receiver is down for 30 s
the notices wait, and arrive once it is back; a full queue is counted in
/metrics."""

import hashlib
import hmac
import http.server
import json
import os
import socket
import tempfile
import threading
import time
import unittest

from natter_harness import ServerTest

SECRET = "webhook-test-secret-0123456789"
DEBOUNCE_MS = 1500
OPEN_MS = 1000


class Receiver:
    """An HTTP server on a fixed loopback port that keeps what is POSTed to
    it (and whether each signature checked out); stop() and start() again
    keep the port, as a gateway's restart would."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.posts = []
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers["X-Natter-Timestamp"]
                expected = "sha256=" + hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body,
                                                hashlib.sha256).hexdigest()
                valid = hmac.compare_digest(expected, self.headers["X-Natter-Signature"] or "")
                fresh = abs(time.time() - int(timestamp)) < 60
                with receiver.lock:
                    receiver.posts.append((json.loads(body), valid and fresh))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def for_user(self, user):
        with self.lock:
            return [(body, valid) for body, valid in self.posts if body["user"] == user]

    def wait_for(self, user, count, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.for_user(user)) >= count:
                return self.for_user(user)
            time.sleep(0.05)
        return self.for_user(user)


class WebhookTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver().start()
        cls.secrets = tempfile.TemporaryDirectory(prefix="natter-webhook-")
        secret = os.path.join(cls.secrets.name, "secret")
        with open(secret, "w") as f:
            f.write(SECRET + "\n")
        cls.extra = f"""
[[hook]]
plugin = "webhook"
url = "http://127.0.0.1:{cls.receiver.port}/notify"
secret_file = "{secret}"
debounce_ms = {DEBOUNCE_MS}
retry_min_ms = 200
retry_max_ms = 2000
queue_max = 20

[hook.faults]
open_ms = {OPEN_MS}
"""
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.receiver.stop()
        cls.secrets.cleanup()

    async def dm(self, sender, to, body, ref):
        await sender.send(op="send", to=to, body=body, ref=ref)
        await sender.until("ack", ref=ref)

    async def test_a_burst_of_direct_messages_is_one_signed_notification(self):
        ann = await self.connect("wh_ann")
        for i in range(3):
            await self.dm(ann, "wh_bob", f"hello {i}", f"s{i}")
        posts = self.receiver.wait_for("wh_bob", 1)
        time.sleep(DEBOUNCE_MS / 1000 + 0.5)  # a second POST would have come by now
        posts = self.receiver.for_user("wh_bob")
        self.assertEqual(len(posts), 1, posts)
        body, valid = posts[0]
        self.assertTrue(valid, "the signature must check out")
        self.assertEqual([(n["reason"], n["from"], n["body"], n["room"]) for n in body["notices"]],
                         [("direct", "wh_ann", f"hello {i}", "dm:wh_ann:wh_bob") for i in range(3)])
        # The next window is the next notification.
        await self.dm(ann, "wh_bob", "later", "s3")
        posts = self.receiver.wait_for("wh_bob", 2)
        self.assertEqual([n["body"] for n in posts[1][0]["notices"]], ["later"])

    async def test_users_who_are_online_hear_nothing_and_mentions_reach_members_only(self):
        cat, dan = await self.connect("wh_cat"), await self.connect("wh_dan")
        await cat.join("wh-room")
        await dan.join("wh-room")
        # wh_eve belongs to the room but is gone; wh_zed never joined it.
        eve = await self.connect("wh_eve")
        await eve.join("wh-room")
        await eve.close()
        self.clients.remove(eve)
        await self.dm(cat, "wh_dan", "you are online", "d1")
        await cat.send(op="send", room="wh-room", body="hey @wh_eve, @wh_dan and @wh_zed: look", ref="m1")
        await cat.until("ack", ref="m1")
        posts = self.receiver.wait_for("wh_eve", 1)
        self.assertEqual([(n["reason"], n["room"]) for n in posts[0][0]["notices"]], [("mention", "wh-room")])
        time.sleep(DEBOUNCE_MS / 1000 + 0.5)
        self.assertEqual(self.receiver.for_user("wh_dan"), [], "wh_dan was online")
        self.assertEqual(self.receiver.for_user("wh_zed"), [], "wh_zed is not a member")

    async def test_notices_wait_out_a_receiver_down_for_30_s(self):
        ann = await self.connect("wh_down_ann")
        self.receiver.stop()
        try:
            await self.dm(ann, "wh_down_bob", "while you were out", "s1")
            time.sleep(30)
            self.assertEqual(self.receiver.for_user("wh_down_bob"), [])
            await self.dm(ann, "wh_down_cy", "me too", "s2")
        finally:
            self.receiver.start()
        bob = self.receiver.wait_for("wh_down_bob", 1, timeout=15)
        cy = self.receiver.wait_for("wh_down_cy", 1, timeout=15)
        self.assertEqual([n["body"] for n in bob[0][0]["notices"]], ["while you were out"])
        self.assertEqual([n["body"] for n in cy[0][0]["notices"]], ["me too"])
        self.assertTrue(bob[0][1] and cy[0][1])
        _, metrics = self.server.admin("/metrics")
        self.assertRegex(metrics, r"natter_plugin_webhook_failures_total\S* [1-9]")

    async def test_a_full_queue_drops_and_counts(self):
        ann = await self.connect("wh_full_ann")
        self.receiver.stop()
        try:
            for i in range(25):  # queue_max is 20
                await self.dm(ann, f"wh_full_{i}", "x", f"s{i}")
            _, metrics = self.server.admin("/metrics")
        finally:
            self.receiver.start()
        dropped = [line for line in metrics.splitlines() if line.startswith("natter_plugin_webhook_dropped_total")]
        self.assertTrue(dropped and float(dropped[0].split()[-1]) >= 5, metrics[-2000:])
        # The hook refused those five (ABI 1.12), which opened its breaker:
        # the broker stopped handing it notices (fail_open, the hook default).
        self.assertRegex(metrics, r'natter_plugin_breaker_state\{kind="hook",plugin="webhook",section="hook"\} 1')
        self.receiver.wait_for("wh_full_19", 1, timeout=15)
        # Once open_ms has passed, the next notice is the trial that closes it.
        time.sleep(OPEN_MS / 1000 + 0.2)
        await self.dm(ann, "wh_full_after", "x", "after")
        self.receiver.wait_for("wh_full_after", 1, timeout=15)
        _, metrics = self.server.admin("/metrics")
        self.assertRegex(metrics, r'natter_plugin_breaker_state\{kind="hook",plugin="webhook",section="hook"\} 0')


if __name__ == "__main__":
    unittest.main()
