"""The fault policy as clients and operators see it: a storage, an auth and
a hook plugin (test fixtures a test makes slow or failing by writing to a
control file) trip their circuit breakers, fail closed or open as their
[<section>.faults] table says, recover through one trial call once open_ms
has passed, and never hold up what does not need them. Breaker state and
trips show in /metrics and in `natterctl status`."""

import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

import websockets

from natter_harness import Natterd, ServerTest

FIXTURES = os.environ["NATTER_FIXTURE_DIR"]
NATTERCTL = os.path.join(os.environ.get("NATTER_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                         "broker", "natterctl", "natterctl")
OPEN_MS = 1500
FAULTS = f"deadline_ms = 400\ntrip_after = 2\nopen_ms = {OPEN_MS}\nbackoff_ms = 20\n"


def faulty(kind, on_failure=None, more=""):
    """The table of the faulty_<kind> fixture ([[hook]] for a hook), with
    its faults table; {fixtures}, {control} and {record} are filled in
    when natterd is configured."""
    header = "[[hook]]" if kind == "hook" else f"[{kind}]"
    mode = f'on_failure = "{on_failure}"\n' if on_failure else ""
    return (f'\n{header}\nplugin = "{{fixtures}}/fixture_faulty_{kind}.so"\ncontrol_file = "{{control}}"\n{more}'
            f"\n[{kind}.faults]\n{mode}{FAULTS}")


def metric(server, name, section):
    """The value of `name` for the plugin configured in [section]."""
    text = server.admin("/metrics")[1]
    match = re.search(rf'^{name}{{[^}}]*section="{re.escape(section)}"[^}}]*}} (\S+)$', text, re.M)
    return float(match.group(1)) if match else None


def status_line(server, kind):
    """natterctl status's line about the plugin of `kind`."""
    result = subprocess.run([sys.executable, NATTERCTL, "--config", server.config_path, "status"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return next(line for line in result.stdout.splitlines() if line.startswith(f"plugin\t{kind}\t"))


class FaultTest(ServerTest):
    """One natterd per class, with the fixtures `tables` configures."""

    tables = ""          # appended to natter.toml; {control} and {record} are filled in
    storage_table = ""   # a conf.d drop-in that replaces [storage], if set

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="natter-faults-")
        cls.control = os.path.join(cls.dir.name, "control")
        cls.record = os.path.join(cls.dir.name, "record")
        cls.set_mode("ok")
        fill = {"control": cls.control, "record": cls.record, "fixtures": FIXTURES}
        cls.server = Natterd(workdir=cls.dir.name, extra=cls.tables.format(**fill))
        if cls.storage_table:
            os.makedirs(os.path.join(cls.dir.name, "conf.d"), exist_ok=True)
            with open(os.path.join(cls.dir.name, "conf.d", "storage.toml"), "w") as f:
                f.write(cls.storage_table.format(**fill))
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.dir.cleanup()

    @classmethod
    def set_mode(cls, mode):
        with open(cls.control, "w") as f:
            f.write(mode + "\n")

    def setUp(self):
        super().setUp()
        self.set_mode("ok")

    async def answer(self, client, ref, timeout=5.0):
        """The ack or error answering `ref`."""
        deadline = time.monotonic() + timeout
        while True:
            event = await client.recv(max(0.01, deadline - time.monotonic()))
            if event.get("ref") == ref and event["type"] in ("ack", "error"):
                return event

    async def wait_state(self, section, state, timeout=10.0):
        deadline = time.monotonic() + timeout
        while metric(self.server, "natter_plugin_breaker_state", section) != state:
            self.assertLess(time.monotonic(), deadline, f"breaker of [{section}] never reached {state}")
            await asyncio.sleep(0.05)


class StorageFaultTest(FaultTest):
    storage_table = faulty("storage", "fail_closed")

    async def test_a_slow_storage_trips_fails_closed_and_recovers_through_half_open(self):
        ann = await self.connect("sf_ann")
        await ann.join("sf-room")
        await ann.say("sf-room", "before", ref="s0")
        self.assertEqual((await self.answer(ann, "s0"))["type"], "ack")

        # Slower than the deadline: both sends are late, which opens the
        # breaker, but storage keeps them, so each waits for its ack instead
        # of hearing `unavailable` and sending it again.
        trips = metric(self.server, "natter_plugin_breaker_trips_total", "storage")
        timeouts = metric(self.server, "natter_plugin_call_timeouts_total", "storage")
        self.set_mode("slow 1500")
        await ann.say("sf-room", "slow 1", ref="s1")
        await ann.say("sf-room", "slow 2", ref="s2")
        await self.wait_state("storage", 1)
        self.assertEqual(metric(self.server, "natter_plugin_breaker_trips_total", "storage"), trips + 1)
        self.assertEqual(metric(self.server, "natter_plugin_call_timeouts_total", "storage"), timeouts + 2)
        self.assertRegex(status_line(self.server, "storage"), rf"\tbreaker open\ttrips {int(trips) + 1}\tfail_closed$")
        self.assertEqual((await self.answer(ann, "s1"))["type"], "ack")
        self.assertEqual((await self.answer(ann, "s2"))["type"], "ack")

        # Open: refused at once, before the plugin or the room sees it.
        before = metric(self.server, "natter_plugin_calls_short_circuited_total", "storage")
        await ann.say("sf-room", "while open", ref="s3")
        error = await self.answer(ann, "s3")
        self.assertEqual((error["type"], error["code"]), ("error", "unavailable"), error)
        self.assertIn("storage 'faulty_storage' is not answering", error["message"])
        self.assertGreater(metric(self.server, "natter_plugin_calls_short_circuited_total", "storage"), before)

        # Healthy again: after open_ms one trial call goes through and closes it.
        self.set_mode("ok")
        await asyncio.sleep(OPEN_MS / 1000 + 0.2)
        await ann.say("sf-room", "after", ref="s4")
        self.assertEqual((await self.answer(ann, "s4"))["type"], "ack")
        await self.wait_state("storage", 0)
        self.assertRegex(status_line(self.server, "storage"), rf"\tbreaker closed\ttrips {int(trips) + 1}\tfail_closed$")
        # What was acked is stored, once; what was refused is not.
        await ann.send(op="history", room="sf-room", after="0", limit=50, ref="h")
        page = await ann.until("history", ref="h")
        self.assertEqual([m["body"] for m in page["messages"]], ["before", "slow 1", "slow 2", "after"])

    async def test_a_slow_read_is_answered_at_its_deadline(self):
        ann = await self.connect("sf_cy")
        await ann.join("sf-slow-read")
        self.set_mode("slow 3000")
        await ann.send(op="history", room="sf-slow-read", limit=5, ref="h")
        error = await ann.until("error", ref="h", timeout=2.5)  # long before the plugin's 3 s
        self.assertEqual(error["code"], "unavailable", error)
        # One late read does not open the breaker (trip_after = 2).
        self.assertEqual(metric(self.server, "natter_plugin_breaker_state", "storage"), 0)
        self.set_mode("ok")
        await ann.say("sf-slow-read", "fine", ref="s")
        self.assertEqual((await self.answer(ann, "s"))["type"], "ack")

    async def test_a_failing_read_is_retried_and_a_failing_write_is_not(self):
        ann = await self.connect("sf_bea")
        await ann.join("sf-reads")
        await ann.say("sf-reads", "kept", ref="r0")
        self.assertEqual((await self.answer(ann, "r0"))["type"], "ack")
        retries = metric(self.server, "natter_plugin_call_retries_total", "storage") or 0
        self.set_mode("fail")
        await ann.say("sf-reads", "refused", ref="r1")
        error = await self.answer(ann, "r1")
        self.assertEqual(error["code"], "unavailable", error)
        self.assertIn("the disk is gone", error["message"])
        self.assertEqual(metric(self.server, "natter_plugin_call_retries_total", "storage"), retries)
        await ann.send(op="history", room="sf-reads", limit=5, ref="h1")
        self.assertEqual((await ann.until("error", ref="h1"))["code"], "unavailable")
        self.assertGreater(metric(self.server, "natter_plugin_call_retries_total", "storage"), retries)
        # Two failed calls opened the breaker; close it for the next test.
        await self.wait_state("storage", 1)
        self.set_mode("ok")
        await asyncio.sleep(OPEN_MS / 1000 + 0.2)
        await ann.say("sf-reads", "again", ref="r2")
        self.assertEqual((await self.answer(ann, "r2"))["type"], "ack")
        await self.wait_state("storage", 0)


class StorageFailOpenTest(FaultTest):
    storage_table = faulty("storage", "fail_open")

    async def test_failing_open_history_comes_from_memory_and_writes_still_fail(self):
        ann = await self.connect("so_ann")
        await ann.join("so-room")
        for i in range(3):
            await ann.say("so-room", f"m{i}", ref=f"s{i}")
            self.assertEqual((await self.answer(ann, f"s{i}"))["type"], "ack")
        self.set_mode("fail")
        await ann.send(op="history", room="so-room", limit=10, ref="h")
        page = await ann.until("history", ref="h")
        self.assertEqual([m["body"] for m in page["messages"]], ["m0", "m1", "m2"])
        # A write never fails open: nobody is told a message is stored when it is not.
        await ann.say("so-room", "lost", ref="s9")
        error = await self.answer(ann, "s9")
        self.assertEqual((error["type"], error["code"]), ("error", "unavailable"), error)


class AuthFaultTest(FaultTest):
    tables = faulty("auth")

    async def refused(self, user):
        async with websockets.connect(f"{self.server.url}?user={user}", subprotocols=["natter.v1"]) as ws:
            import json
            error = json.loads(await asyncio.wait_for(ws.recv(), 5))
            with self.assertRaises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
        self.assertEqual((error["type"], error["code"]), ("error", "unauthorized"), error)
        self.assertEqual(closed.exception.rcvd.code, 4001)
        return error

    async def test_a_hanging_auth_fails_closed_while_signed_in_users_chat_on(self):
        ann = await self.connect("af_ann")
        await ann.join("af-room")
        self.set_mode("fail")  # never answers in time
        for user in ("af_x1", "af_x2"):
            error = await self.refused(user)
            self.assertIn("auth 'faulty_auth' is not answering", error["message"])
        await self.wait_state("auth", 1)
        # A room needs no authentication: ann's sends go on at once.
        for i in range(5):
            began = time.monotonic()
            await ann.say("af-room", f"still here {i}", ref=f"a{i}")
            self.assertEqual((await self.answer(ann, f"a{i}"))["type"], "ack")
            self.assertLess(time.monotonic() - began, 1.5, "a send waited for the failing auth plugin")
        before = metric(self.server, "natter_plugin_calls_short_circuited_total", "auth")
        await self.refused("af_x3")
        self.assertGreater(metric(self.server, "natter_plugin_calls_short_circuited_total", "auth"), before)
        self.assertRegex(status_line(self.server, "auth"), r"\tbreaker open\ttrips 1\tfail_closed$")

        self.set_mode("ok")
        await asyncio.sleep(OPEN_MS / 1000 + 0.2)
        bob = await self.connect("af_bob")
        self.assertEqual(bob.user, "af_bob")
        await self.wait_state("auth", 0)


class AuthFailOpenTest(FaultTest):
    tables = faulty("auth", "fail_open")

    async def test_a_hanging_auth_fails_open_to_guests(self):
        self.set_mode("slow 3000")
        guest = await self.connect("ao_claimed")
        self.assertRegex(guest.user, r"^guest-\d+$", "failing open must not trust the claimed name")
        await self.connect("ao_other")
        await self.wait_state("auth", 1)
        third = await self.connect("ao_third")  # short-circuited: a guest at once
        self.assertRegex(third.user, r"^guest-\d+$")
        # Guests may not create rooms.
        await third.send(op="create_room", room="ao-new", ref="c")
        self.assertEqual((await third.until("error", ref="c"))["code"], "forbidden")
        self.assertRegex(status_line(self.server, "auth"), r"\tbreaker open\ttrips 1\tfail_open$")


class HookFaultTest(FaultTest):
    tables = faulty("hook", "fail_closed", 'record_file = "{record}"\n') + """
[[hook]]
plugin = "{fixtures}/fixture_abi_1_11_hook.so"
record_file = "{record}.1_11"
"""

    def recorded(self, suffix=""):
        try:
            with open(self.record + suffix) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    async def wait_recorded(self, line, suffix=""):
        for _ in range(100):
            if line in self.recorded(suffix):
                return
            await asyncio.sleep(0.05)
        self.fail(f"{line!r} never recorded in {self.recorded(suffix)}")

    async def test_a_failing_hook_fails_closed_for_the_messages_that_need_it(self):
        ann = await self.connect("hf_ann")
        carl = await self.connect("hf_carl")
        await ann.join("hf-room")
        await ann.send(op="send", to="hf_bob", body="first", ref="d0")
        self.assertEqual((await self.answer(ann, "d0"))["type"], "ack")
        await self.wait_recorded("hf_bob direct dm:hf_ann:hf_bob first")
        # A hook built for ABI 1.11 is told too, through Hook::offline.
        await self.wait_recorded("hf_bob direct dm:hf_ann:hf_bob first", ".1_11")

        self.set_mode("fail")
        for i in (1, 2):  # taken by the broker, refused by the hook
            await ann.send(op="send", to="hf_bob", body=f"lost {i}", ref=f"d{i}")
            self.assertEqual((await self.answer(ann, f"d{i}"))["type"], "ack")
        await self.wait_state("hook #1", 1)  # the 1.11 hook is [hook #2]

        # Open and failing closed: a message that needs the hook is refused...
        await ann.send(op="send", to="hf_bob", body="refused", ref="d3")
        error = await self.answer(ann, "d3")
        self.assertEqual((error["type"], error["code"]), ("error", "unavailable"), error)
        self.assertIn("hook 'faulty_hook' is not answering", error["message"])
        await ann.say("hf-room", "@hf_bob look", ref="m1")  # hf_bob is no member: no notice needed
        self.assertEqual((await self.answer(ann, "m1"))["type"], "ack")
        # ...and nothing that does not need it waits: a room message, a
        # direct message to a user who is online.
        for i in range(3):
            began = time.monotonic()
            await ann.say("hf-room", f"plain {i}", ref=f"r{i}")
            self.assertEqual((await self.answer(ann, f"r{i}"))["type"], "ack")
            await ann.send(op="send", to="hf_carl", body=f"online {i}", ref=f"c{i}")
            self.assertEqual((await self.answer(ann, f"c{i}"))["type"], "ack")
            self.assertLess(time.monotonic() - began, 1.5, "a send waited for the failing hook")
        self.assertRegex(status_line(self.server, "hook"), r"\tbreaker open\ttrips 1\tfail_closed$")
        del carl

        self.set_mode("ok")
        await asyncio.sleep(OPEN_MS / 1000 + 0.2)
        await ann.send(op="send", to="hf_bob", body="back", ref="d4")
        self.assertEqual((await self.answer(ann, "d4"))["type"], "ack")
        await self.wait_recorded("hf_bob direct dm:hf_ann:hf_bob back")
        await self.wait_state("hook #1", 0)
        self.assertEqual(metric(self.server, "natter_plugin_breaker_trips_total", "hook #2"), 0)


class HookFailOpenTest(FaultTest):
    tables = faulty("hook", None, 'record_file = "{record}"\n')

    async def test_a_slow_hook_fails_open(self):
        ann = await self.connect("ho_ann")
        self.set_mode("slow 3000")  # takes each notice, but answers after the deadline
        for i in range(4):
            await ann.send(op="send", to="ho_bob", body=f"dm {i}", ref=f"d{i}")
            self.assertEqual((await self.answer(ann, f"d{i}"))["type"], "ack")
        await self.wait_state("hook", 1)
        self.assertRegex(status_line(self.server, "hook"), r"\tbreaker open\ttrips 1\tfail_open$")
        before = metric(self.server, "natter_plugin_calls_short_circuited_total", "hook")
        await ann.send(op="send", to="ho_bob", body="skipped", ref="d9")
        self.assertEqual((await self.answer(ann, "d9"))["type"], "ack")  # fails open: sent, not told
        self.assertGreater(metric(self.server, "natter_plugin_calls_short_circuited_total", "hook"), before)


if __name__ == "__main__":
    unittest.main()
