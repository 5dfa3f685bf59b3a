"""SIGHUP applies what can change live - the filter chain here - without
dropping anyone, and refuses a config that does not validate or whose new
plugins fail to start, keeping the running one."""

import os
import unittest

from natter_harness import Client, Natterd

FIXTURES = os.environ["NATTER_FIXTURE_DIR"]
TAG = f"{FIXTURES}/fixture_tag_filter.so"
FAILING = f"{FIXTURES}/fixture_failing_start.so"


class ReloadTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.server = Natterd(extra=f'\n[[filter]]\nplugin = "{TAG}"\ntag = "[one]"\n').start()
        with open(self.server.config_path) as f:
            self.base = f.read().split("[[filter]]")[0]

    def tearDown(self):
        self.server.close()

    async def reload_with(self, tail, expect_in_log):
        with open(self.server.config_path, "w") as f:
            f.write(self.base + tail)
        await self.server.reload_until(expect_in_log)

    async def say(self, body, ref):
        await self.ann.say("live", body, ref=ref)
        return (await self.bob.expect("message", room="live"))["body"]

    async def test_filters_change_on_sighup_and_bad_configs_are_refused(self):
        self.ann = await Client.connect(self.server, "ann")
        self.bob = await Client.connect(self.server, "bob")
        await self.ann.join("live")
        await self.bob.join("live")
        self.assertEqual(await self.say("hi", "1"), "[one] hi")

        await self.reload_with(f'\n[[filter]]\nplugin = "{TAG}"\ntag = "[two]"\n', "reload: filters [tag] -> [tag]")
        self.assertEqual(await self.say("hi", "2"), "[two] hi")

        await self.reload_with(f'\n[[filter]]\nplugin = "{FAILING}"\nreason = "not today"\n',
                               "reload refused")
        self.assertIn("start failed: not today", self.server.log())
        self.assertEqual(await self.say("still", "3"), "[two] still")

        await self.reload_with("\n[[filter]\n", "reload refused, keeping the running config")
        self.assertEqual(await self.say("again", "4"), "[two] again")

        await self.reload_with("\n", "reload: filters [tag] -> []")
        self.assertEqual(await self.say("plain", "5"), "plain")
        self.assertIsNone(self.server.process.poll())


if __name__ == "__main__":
    unittest.main()
