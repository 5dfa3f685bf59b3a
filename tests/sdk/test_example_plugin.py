"""A plugin author's path: install the SDK to a staging prefix, build the
example plugin out of tree against it alone, name the .so in a config,
and watch it change what people receive."""

import glob
import os
import re
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
        cls.plugin = cls.build_example(cls.build)
        cls.first_build_output = cls.build_output

    @classmethod
    def build_example(cls, build, *cmake_args):
        """The example built out of tree in `build`; the path of its .so."""
        run("cmake", "-S", cls.example, "-B", build, "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={cls.stage}",
            *cmake_args)
        cls.build_output = run("cmake", "--build", build).stdout
        return os.path.join(build, "natter_filter_tag.so")

    def conformance(self, plugin):
        """natter-conformance's filter suite on `plugin`, as a plugin author runs it."""
        config = os.path.join(self.dir, "tag.toml")
        with open(config, "w") as f:
            f.write('tag = "[ex]"\nreject_word = "spam"\n')
        return subprocess.run([os.path.join(self.stage, "bin", "natter-conformance"), "filter",
                               "--plugin", plugin, "--config", config,
                               "--examples", os.path.join(self.example, "examples.toml")],
                              capture_output=True, text=True, timeout=120)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_the_kit_fails_a_filter_that_declares_nothing_it_does(self):
        config = os.path.join(self.dir, "tag.toml")
        with open(config, "w") as f:
            f.write('tag = "[ex]"\nreject_word = "spam"\n')
        result = subprocess.run([os.path.join(self.stage, "bin", "natter-conformance"), "filter",
                                 "--plugin", self.plugin, "--config", config],
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("FilterConformance.DoesWhatItsExamplesSay", result.stdout)
        self.assertIn("at least one message it rejects or rewrites", result.stdout)

    def test_it_compiled_against_the_staged_sdk_only(self):
        with open(os.path.join(self.build, "build.ninja")) as f:
            flags = f.read()
        self.assertIn(f"-I{self.stage}/include", flags.replace("-isystem ", "-I"))
        self.assertNotIn(SOURCE, flags)

    def test_it_built_without_a_warning(self):
        self.assertNotIn("warning:", self.first_build_output)

    def test_its_own_test_binary_links_the_exported_kit_and_passes_it(self):
        # natter::filter_conformance from find_package(NatterSDK COMPONENTS
        # conformance), GoogleTest with it; the filter compiled in, no natterd.
        result = subprocess.run(["ctest", "--test-dir", self.build, "--output-on-failure"],
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("100% tests passed, 0 tests failed out of 1", result.stdout)
        verbose = subprocess.run([os.path.join(self.build, "tag_filter_test")], capture_output=True, text=True,
                                 timeout=120)
        self.assertIn("[  PASSED  ] 7 tests.", verbose.stdout)

    def test_the_example_in_plugins_md_builds_as_written_without_a_warning(self):
        with open(os.path.join(SOURCE, "docs", "plugins.md")) as f:
            guide = f.read()
        source = re.search(r"```cpp\n// shout.cpp\n(.*?)```", guide, re.S).group(1)
        cmake = re.search(r"```cmake\n# CMakeLists.txt\n(.*?)```", guide, re.S).group(1)
        project = os.path.join(self.dir, "shout")
        os.makedirs(project)
        with open(os.path.join(project, "shout.cpp"), "w") as f:
            f.write(source)
        with open(os.path.join(project, "CMakeLists.txt"), "w") as f:
            f.write(cmake)
        build = os.path.join(self.dir, "build-shout")
        run("cmake", "-S", project, "-B", build, "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={self.stage}")
        output = run("cmake", "--build", build).stdout
        self.assertNotIn("warning:", output)
        # Its install rule puts the .so where natterd looks by name (under DESTDIR here).
        destdir = os.path.join(self.dir, "shout-installed")
        subprocess.run(["cmake", "--install", build], env={**os.environ, "DESTDIR": destdir}, check=True,
                       capture_output=True, timeout=60)
        installed = glob.glob(os.path.join(destdir, "**", "natter_filter_shout.so"), recursive=True)
        self.assertEqual([path[len(destdir):] for path in installed],
                         [os.path.join(self.stage, "lib", "natter", "plugins", "natter_filter_shout.so")])

    def test_the_example_passes_the_filter_conformance_kit(self):
        result = self.conformance(self.plugin)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("[  PASSED  ] 7 tests.", result.stdout)

    def test_built_with_clang_against_libstdcxx_it_loads_and_passes_the_kit(self):
        plugin = self.build_example(os.path.join(self.dir, "build-clang"), "-DCMAKE_CXX_COMPILER=clang++",
                                    "-DTAG_FILTER_TESTS=OFF")
        result = self.conformance(plugin)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("[  PASSED  ] 7 tests.", result.stdout)

    def test_built_against_libcxx_it_is_refused_with_one_clear_line_never_a_crash(self):
        # libc++ lays std::string_view out the other way round; calling
        # into such a plugin crashed natterd before it was refused.
        plugin = self.build_example(os.path.join(self.dir, "build-libcxx"), "-DCMAKE_CXX_COMPILER=clang++",
                                    "-DTAG_FILTER_TESTS=OFF",
                                    "-DCMAKE_CXX_FLAGS=-stdlib=libc++",
                                    "-DCMAKE_MODULE_LINKER_FLAGS=-stdlib=libc++")
        why = (f"{plugin}: plugin 'tag' was built against the C++ standard library libc++, "
               "natterd against libstdc++")
        result = self.conformance(plugin)
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertIn(why, result.stderr)

        config = os.path.join(self.dir, "libcxx.toml")
        with open(config, "w") as f:
            f.write(f'[storage]\nplugin = "sqlite"\npath = "{self.dir}/libcxx.db"\n'
                    f'[[transport]]\nplugin = "websocket"\n'
                    f'[[filter]]\nplugin = "{plugin}"\ntag = "[ex]"\n')
        checked = subprocess.run([os.environ["NATTERD"], "--check-config", "--config", config],
                                 capture_output=True, text=True, timeout=60)
        self.assertGreater(checked.returncode, 0, "natterd must exit with an error, not die of a signal")
        self.assertIn(why, checked.stderr + checked.stdout)

    def test_the_installed_conformance_runner_checks_a_storage_plugin_anywhere(self):
        # A storage .so that lives nowhere near the source or build tree.
        plugin = os.path.join(self.dir, "natter_storage_sqlite.so")
        shutil.copy(os.path.join(BUILD, "lib", "natter", "plugins", "natter_storage_sqlite.so"), plugin)
        config = os.path.join(self.dir, "storage.toml")
        with open(config, "w") as f:
            f.write(f'path = "{self.dir}/conformance.db"\n')
        result = run(os.path.join(self.stage, "bin", "natter-conformance"), "storage",
                     "--plugin", plugin, "--config", config)
        self.assertIn("[  PASSED  ] 31 tests.", result.stdout)

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
