"""The admin endpoint as Prometheus and an orchestrator see it: /metrics
parses as Prometheus text format (with the reference parser, not grep)
and its counters move when people chat; /healthz and /readyz answer."""

import os
import re
import unittest

from prometheus_client.parser import text_string_to_metric_families

from natter_harness import Client, Natterd


def scrape(server):
    status, text = server.admin("/metrics")
    assert status == 200, status
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))]


class AdminTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.server = Natterd().start()

    def tearDown(self):
        self.server.close()

    def test_health_and_readiness(self):
        self.assertEqual(self.server.admin("/healthz"), (200, "ok\n"))
        self.assertEqual(self.server.admin("/readyz"), (200, "ready\n"))
        self.assertEqual(self.server.admin("/nope")[0], 404)

    async def test_metrics_parse_and_move_with_traffic(self):
        before = scrape(self.server)
        with open(os.path.join(os.environ["NATTER_SOURCE_DIR"], "sdk", "include", "natter", "abi.hpp")) as f:
            minor = re.search(r"kAbiMinor = (\d+);", f.read()).group(1)
        self.assertEqual(value(before, "natter_build_info", version="0.1.0", abi=f"1.{minor}"), 1)
        self.assertEqual(value(before, "natter_connections"), 0)

        ann = await Client.connect(self.server, "ann")
        bob = await Client.connect(self.server, "bob")
        await ann.join("metered")
        await bob.join("metered")
        for i in range(5):
            await ann.say("metered", f"m{i}", ref=f"m{i}")
            await bob.expect("message", body=f"m{i}")
        acks = 0
        while acks < 5:  # acks mean stored (ack_after = persisted)
            if (await ann.recv())["type"] == "ack":
                acks += 1
        await ann.send(op="shout")  # a bad request, counted
        await ann.expect("error")
        await ann.send(op="send", room="elsewhere", body="x", ref="nm")  # not a member
        await ann.expect("error", code="not_member")
        await ann.send(op="history", room="metered", ref="h")
        await ann.expect("history", ref="h")
        # Wrong passwords, repeated at once: the second is slowed down (rate_limited).
        await ann.send(op="create_room", room="vault", kind="protected", password="right", ref="c")
        await ann.expect("joined", ref="c")
        for attempt in ("w1", "w2"):
            await bob.send(op="join", room="vault", password="wrong", ref=attempt)
        await bob.until("error", ref="w1", code="wrong_password")
        refused = await bob.until("error", ref="w2", code="rate_limited")
        self.assertGreater(refused["retry_after_ms"], 0)

        after = scrape(self.server)
        self.assertEqual(value(after, "natter_connections"), 2)
        self.assertEqual(value(after, "natter_rooms"), 2)  # metered, vault
        delta = lambda name: value(after, name) - value(before, name)
        self.assertEqual(delta("natter_messages_received_total"), 5)
        self.assertEqual(delta("natter_messages_stored_total"), 5)
        self.assertGreaterEqual(delta("natter_deliveries_total"), 10)  # 5 messages x 2 members
        errors = lambda code: value(after, "natter_errors_total", code=code) - \
            value(before, "natter_errors_total", code=code)
        self.assertEqual(errors("bad_request"), 1)
        self.assertEqual(errors("not_member"), 1)
        self.assertEqual(errors("wrong_password"), 1)
        self.assertEqual(errors("rate_limited"), 1)
        calls = lambda plugin, call: value(after, "natter_plugin_call_seconds_count", plugin=plugin, call=call)
        self.assertEqual(calls("sqlite", "append"), 5)
        self.assertEqual(calls("sqlite", "history"), 1)
        self.assertEqual(calls("anonymous", "authenticate"), 2)
        self.assertGreater(value(after, "natter_plugin_call_seconds_sum", plugin="sqlite", call="append"), 0)
        self.assertGreaterEqual(value(after, "natter_plugin_sqlite_committed_total"), 5)
        self.assertEqual(value(after, "natter_plugin_sqlite_queue_depth"), 0)
        self.assertGreaterEqual(value(after, "natter_plugin_websocket_connections_accepted_total"), 2)


if __name__ == "__main__":
    unittest.main()
