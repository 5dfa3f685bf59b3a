"""A plugin author's path: install the SDK to a staging prefix, build the
example plugin out of tree against it alone, name the .so in a config,
and watch it change what people receive."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from natter_harness import Client, Natterd  # noqa: E402

BUILD = os.environ["NATTER_BUILD_DIR"]
SOURCE = os.environ["NATTER_SOURCE_DIR"]


def run(*command, cwd=None):
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result


class ExamplePluginTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="natter-sdk-")
        cls.stage = os.path.join(cls.dir, "stage")
        run("cmake", "--install", BUILD, "--component", "dev", "--prefix", cls.stage)
        # The example is copied out, so nothing of the source tree is near it.
        cls.example = os.path.join(cls.dir, "filter_tag")
        shutil.copytree(os.path.join(SOURCE, "sdk", "examples", "filter_tag"), cls.example)
        cls.build = os.path.join(cls.dir, "build")
        run("cmake", "-S", cls.example, "-B", cls.build, "-G", "Ninja",
            f"-DCMAKE_PREFIX_PATH={cls.stage}")
        run("cmake", "--build", cls.build)
        cls.plugin = os.path.join(cls.build, "natter_filter_tag.so")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_it_compiled_against_the_staged_sdk_only(self):
        with open(os.path.join(self.build, "build.ninja")) as f:
            flags = f.read()
        self.assertIn(f"-I{self.stage}/include", flags.replace("-isystem ", "-I"))
        self.assertNotIn(SOURCE, flags)

    def test_the_example_passes_the_filter_conformance_kit(self):
        config = os.path.join(self.dir, "tag.toml")
        with open(config, "w") as f:
            f.write('tag = "[ex]"\nreject_word = "spam"\n')
        result = run(os.path.join(self.stage, "bin", "natter-conformance"), "filter",
                     "--plugin", self.plugin, "--config", config)
        self.assertIn("[  PASSED  ] 6 tests.", result.stdout)

    def test_the_installed_conformance_runner_checks_a_storage_plugin_anywhere(self):
        # A storage .so that lives nowhere near the source or build tree.
        plugin = os.path.join(self.dir, "natter_storage_sqlite.so")
        shutil.copy(os.path.join(BUILD, "lib", "natter", "plugins", "natter_storage_sqlite.so"), plugin)
        config = os.path.join(self.dir, "storage.toml")
        with open(config, "w") as f:
            f.write(f'path = "{self.dir}/conformance.db"\n')
        result = run(os.path.join(self.stage, "bin", "natter-conformance"), "storage",
                     "--plugin", plugin, "--config", config)
        self.assertIn("[  PASSED  ] 12 tests.", result.stdout)

    async def test_the_plugin_tags_what_members_receive(self):
        server = Natterd(extra=f'\n[[filter]]\nplugin = "{self.plugin}"\ntag = "[ex]"\nreject_word = "spam"\n')
        try:
            server.start()
            ann = await Client.connect(server, "ann")
            bob = await Client.connect(server, "bob")
            await ann.join("tags")
            await bob.join("tags")
            await ann.say("tags", "hello", ref="t1")
            received = await bob.expect("message", room="tags")
            self.assertEqual(received["body"], "[ex] hello")

            await ann.say("tags", "buy spam now", ref="t2")
            while True:
                event = await ann.recv()
                if event["type"] == "error":
                    break
            self.assertEqual(event["code"], "rejected")
            self.assertEqual(event["ref"], "t2")
            self.assertIn("'spam' is not allowed", event["message"])
            self.assertIn("tagging messages with [ex]", server.log())
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
