"""natterd's command line as an operator meets it: --check-config names
file, line and key for every kind of config mistake, and the broker
refuses bad plugins with one clear line and a non-zero exit."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

NATTERD = os.environ["NATTERD"]
with open(os.path.join(os.environ["NATTER_SOURCE_DIR"], "sdk", "include", "natter", "abi.hpp")) as _abi:
    ABI_MINOR = int(re.search(r"kAbiMinor = (\d+);", _abi.read()).group(1))
FIXTURES = os.environ["NATTER_FIXTURE_DIR"]

GOOD_TRANSPORT = """
[[transport]]
plugin = "websocket"
listen = "127.0.0.1:0"
"""


class CheckConfigTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="natter-cli-")
        self.path = os.path.join(self.dir.name, "natter.toml")

    def tearDown(self):
        self.dir.cleanup()

    def check(self, config, *extra):
        with open(self.path, "w") as f:
            f.write(textwrap.dedent(config).lstrip())
        return subprocess.run([NATTERD, "--check-config", "--config", self.path, *extra],
                              capture_output=True, text=True, timeout=30)

    def assert_refused(self, config, *expected_lines):
        result = self.check(config)
        self.assertEqual(result.returncode, 78, result.stdout + result.stderr)  # EX_CONFIG
        for line in expected_lines:
            self.assertIn(line.replace("FILE", self.path), result.stderr)
        return result.stderr

    def test_a_good_config_is_ok(self):
        result = self.check(f"""
            [storage]
            plugin = "sqlite"
            path = "{self.dir.name}/h.db"
            {GOOD_TRANSPORT}""")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("OK (4 plugins", result.stdout)

    def test_the_shipped_config_is_ok(self):
        shipped = os.path.join(os.environ["NATTER_SOURCE_DIR"], "config", "natter.toml")
        result = subprocess.run([NATTERD, "--check-config", "--config", shipped],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)

    def shipped_config_with_conf_d(self):
        """config/natter.toml at self.path (its database in the temp dir) and
        an empty conf.d beside it; returns (source dir, conf.d)."""
        source = os.environ["NATTER_SOURCE_DIR"]
        with open(os.path.join(source, "config", "natter.toml")) as f:
            main = f.read().replace("/var/lib/natter/natter.db", os.path.join(self.dir.name, "n.db"))
        with open(self.path, "w") as f:
            f.write(main)
        conf_d = os.path.join(self.dir.name, "conf.d")
        os.makedirs(conf_d)
        return source, conf_d

    def test_the_public_example_is_a_drop_in_that_checks(self):
        # config/examples/60-public.toml over the shipped natter.toml, with
        # its files where this test can make them.
        source, conf_d = self.shipped_config_with_conf_d()
        tls = os.path.join(self.dir.name, "tls")
        os.makedirs(tls)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", f"{tls}/privkey.pem", "-out", f"{tls}/fullchain.pem", "-days", "1",
                        "-subj", "/CN=localhost"], check=True, capture_output=True)
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                        f"{tls}/idp.key"], check=True, capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", f"{tls}/idp.key", "-pubout", "-out", f"{tls}/idp.pub.pem"],
                       check=True, capture_output=True)
        with open(os.path.join(source, "config", "examples", "60-public.toml")) as f:
            public = f.read().replace("/etc/natter/tls", tls).replace("/etc/natter/jwt", tls).replace(
                "/etc/natter/words.txt", os.path.join(source, "config", "examples", "words.txt"))
        with open(os.path.join(conf_d, "60-public.toml"), "w") as f:
            f.write(public)
        result = subprocess.run([NATTERD, "--check-config", "--config", self.path],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        for plugin in ("auth=jwt", "ratelimit=token_bucket", "filter=wordlist", "filter=links"):
            self.assertIn(plugin, result.stdout)
        self.assertEqual(result.stdout.count("transport=websocket"), 2)

    def test_the_mqtt_example_is_a_drop_in_that_checks(self):
        source, conf_d = self.shipped_config_with_conf_d()
        shutil.copy(os.path.join(source, "config", "examples", "70-mqtt.toml"), conf_d)
        result = subprocess.run([NATTERD, "--check-config", "--config", self.path],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("transport=mqtt", result.stdout)

    def test_the_storage_and_cluster_examples_are_drop_ins_over_the_shipped_config(self):
        source, conf_d = self.shipped_config_with_conf_d()
        for example, plugins in (("50-mariadb.toml", ("storage=mariadb", "pubsub=local")),
                                 ("50-cluster-redis.toml", ("storage=mariadb", "pubsub=redis")),
                                 ("50-cluster-mqtt.toml", ("storage=mariadb", "pubsub=mqtt"))):
            with self.subTest(example=example):
                shutil.copy(os.path.join(source, "config", "examples", example), conf_d)
                result = subprocess.run([NATTERD, "--check-config", "--config", self.path],
                                        capture_output=True, text=True, timeout=30)
                os.remove(os.path.join(conf_d, example))
                self.assertEqual(result.returncode, 0, result.stderr)
                for plugin in plugins:
                    self.assertIn(plugin, result.stdout)
                self.assertEqual(result.stdout.count("transport=websocket"), 1)

    def test_syntax_error_names_the_line(self):
        self.assert_refused("""
            [broker]
            node_id =
            """, "FILE:2: syntax error: missing value after key-value separator")

    def test_a_file_that_is_not_utf8_is_refused_with_its_line(self):
        # toml11 reads out of bounds on such bytes (found by fuzz_config): natterd checks first.
        with open(self.path, "wb") as f:
            f.write(b"[broker]\n'\xf3\xf3\xf3'@ = 1\n")
        result = subprocess.run([NATTERD, "--check-config", "--config", self.path],
                                capture_output=True, text=True, timeout=30)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(f"{self.path}:2: not UTF-8 (byte 10); TOML files are UTF-8", result.stderr)

    def test_a_missing_file_is_named(self):
        result = subprocess.run([NATTERD, "--check-config", "--config", self.path + ".nope"],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 78)  # EX_CONFIG
        self.assertIn(self.path + ".nope: cannot read config file (no such file)", result.stderr)

    def test_unknown_broker_key_suggests_the_right_one(self):
        self.assert_refused(f"""
            [broker]
            node_idd = 3
            {GOOD_TRANSPORT}""",
            "FILE:2: [broker] unknown key 'node_idd' for the broker; did you mean 'node_id'?")

    def test_unknown_plugin_key_names_the_plugin(self):
        self.assert_refused(f"""
            [storage]
            plugin = "sqlite"
            pathh = "/tmp/x.db"
            {GOOD_TRANSPORT}""",
            "FILE:3: [storage] unknown key 'pathh' for plugin 'sqlite'; did you mean 'path'?")

    def test_wrong_type_shows_what_was_given(self):
        self.assert_refused(f"""
            [broker]
            node_id = "1"
            {GOOD_TRANSPORT}""",
            "FILE:2: [broker] key 'node_id' must be an integer (got \"1\")")

    def test_wrong_type_in_a_plugin_table(self):
        self.assert_refused("""
            [[transport]]
            plugin = "websocket"
            max_message_bytes = "big"
            """,
            "FILE:3: [transport] key 'max_message_bytes' must be an integer (got \"big\")")

    def test_missing_plugin_key(self):
        self.assert_refused("""
            [[transport]]
            listen = "127.0.0.1:1"
            """, "FILE:1: [transport] missing required key 'plugin'")

    def test_missing_required_plugin_key(self):
        self.assert_refused(f"""
            [[filter]]
            plugin = "{FIXTURES}/fixture_failing_start.so"
            {GOOD_TRANSPORT}""",
            "FILE:1: [filter] missing required key 'reason' (Why start() fails)")

    def test_value_out_of_range(self):
        self.assert_refused(f"""
            [broker]
            node_id = 5000
            {GOOD_TRANSPORT}""",
            "FILE:2: [broker] key 'node_id': must be between 0 and 1023 (got 5000)")

    def test_a_plugin_rejects_a_malformed_value_with_its_location(self):
        self.assert_refused("""
            [[transport]]
            plugin = "websocket"
            listen = "localhost"
            """,
            "FILE:3: [transport] key 'listen': must be \"host:port\" (got \"localhost\")")

    def test_a_malformed_cpu_list_is_refused_with_its_location(self):
        self.assert_refused("""
            [[transport]]
            plugin = "websocket"
            listen = "127.0.0.1:0"
            cpus = "3-1"
            """,
            "FILE:4: [transport] key 'cpus': '3-1' runs backwards")

    def test_a_tls_certificate_that_cannot_be_read_is_named_with_its_path(self):
        missing = os.path.join(self.dir.name, "no-such.crt")
        self.assert_refused(f"""
            [[transport]]
            plugin = "websocket"
            listen = "127.0.0.1:0"
            tls_cert = "{missing}"
            tls_key = "{missing}.key"
            """,
            f"FILE:4: [transport] key 'tls_cert': cannot read the TLS certificate {missing}: "
            "No such file or directory")

    def test_a_tls_certificate_that_is_not_one_is_refused(self):
        junk = os.path.join(self.dir.name, "junk.pem")
        with open(junk, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
        self.assert_refused(f"""
            [[transport]]
            plugin = "websocket"
            listen = "127.0.0.1:0"
            tls_cert = "{junk}"
            tls_key = "{junk}"
            """,
            f"FILE:4: [transport] key 'tls_cert': cannot use the TLS certificate {junk}: ")

    def test_a_tls_key_without_a_certificate_is_refused(self):
        self.assert_refused("""
            [[transport]]
            plugin = "websocket"
            listen = "127.0.0.1:0"
            tls_key = "/etc/ssl/private/natter.key"
            """,
            "FILE:1: [transport] key 'tls_cert': is needed with tls_key")

    def test_a_link_pattern_that_is_not_a_regular_expression_is_named(self):
        self.assert_refused(f"""
            [[filter]]
            plugin = "links"
            patterns = ["ok", "(unclosed"]
            {GOOD_TRANSPORT}""",
            "FILE:3: [filter] key 'patterns': pattern 2 (\"(unclosed\"): missing ): (unclosed")

    def test_a_word_list_mistake_is_named_with_its_file_and_line(self):
        words = os.path.join(self.dir.name, "words.txt")
        with open(words, "w") as f:
            f.write("# words\n[rude] hide\n")
        self.assert_refused(f"""
            [[filter]]
            plugin = "wordlist"
            lists = ["{words}"]
            {GOOD_TRANSPORT}""",
            f"FILE:3: [filter] key 'lists': {words}:2: rule 'rude' needs an action: mask, reject or flag (got \"hide\")")

    def test_unknown_plugin_name(self):
        self.assert_refused(f"""
            [storage]
            plugin = "sqllite"
            {GOOD_TRANSPORT}""",
            "FILE:2: [storage] plugin 'sqllite': no storage plugin named 'sqllite' "
            "(looked for natter_storage_sqllite.so in")

    def test_transport_written_as_a_table(self):
        self.assert_refused("""
            [transport]
            plugin = "websocket"
            """, "FILE:1: 'transport' holds any number of plugins: write [[transport]], not [transport]")

    def test_unknown_section(self):
        self.assert_refused(f"""
            [storgae]
            plugin = "sqlite"
            {GOOD_TRANSPORT}""", "FILE:1: unknown section 'storgae'")

    def test_no_transport_at_all(self):
        self.assert_refused("[broker]\n", "FILE: no [[transport]] configured")

    def test_every_problem_is_reported_not_just_the_first(self):
        stderr = self.assert_refused(f"""
            [broker]
            node_id = "x"
            log_level = "loud"
            {GOOD_TRANSPORT}""",
            "FILE:2: [broker] key 'node_id' must be an integer",
            "FILE:3: [broker] key 'log_level': must be one of trace, debug, info, warn, error")
        self.assertEqual(len(stderr.strip().splitlines()), 2, stderr)


class DropInTest(unittest.TestCase):
    """conf.d/*.toml beside the main file are merged in name order, so a
    package can add its plugin's table without touching natter.toml."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="natter-dropin-")
        self.path = os.path.join(self.dir.name, "natter.toml")
        os.mkdir(os.path.join(self.dir.name, "conf.d"))
        with open(self.path, "w") as f:
            f.write(f'[broker]\nnode_id = 1\n[storage]\nplugin = "sqlite"\npath = "{self.dir.name}/a.db"\n'
                    + GOOD_TRANSPORT)

    def tearDown(self):
        self.dir.cleanup()

    def drop_in(self, name, text):
        path = os.path.join(self.dir.name, "conf.d", name)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text).lstrip())
        return path

    def check(self):
        return subprocess.run([NATTERD, "--check-config", "--config", self.path],
                              capture_output=True, text=True, timeout=30)

    def test_a_drop_in_adds_a_plugin_and_later_files_win(self):
        self.drop_in("20-filter.toml", f"""
            [[filter]]
            plugin = "{FIXTURES}/fixture_failing_start.so"
            reason = "from a drop-in"
            """)
        self.drop_in("10-broker.toml", "[broker]\nnode_id = 2\n")
        self.drop_in("30-broker.toml", "[broker]\nnode_id = 3000\n")
        self.drop_in("README", "not toml, ignored")
        result = self.check()
        self.assertEqual(result.returncode, 78)
        # 30-broker.toml came last and its value is the one checked.
        self.assertIn("30-broker.toml:2: [broker] key 'node_id': must be between 0 and 1023 (got 3000)",
                      result.stderr)

    def test_drop_ins_merge_into_the_main_file(self):
        self.drop_in("20-filter.toml", f"""
            [[filter]]
            plugin = "{FIXTURES}/fixture_failing_start.so"
            reason = "from a drop-in"
            """)
        result = self.check()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("filter=failing_start", result.stdout)
        self.assertIn("transport=websocket", result.stdout)

    def test_a_drop_in_naming_another_plugin_replaces_the_table_and_removing_it_goes_back(self):
        # natter.toml's [storage] has sqlite's `path`; mariadb knows no such key,
        # so merging key by key would refuse this drop-in.
        mariadb = self.drop_in("50-mariadb.toml", """
            [storage]
            plugin = "mariadb"
            servers = ["127.0.0.1:3306"]
            user = "natter"
            database = "natter"
            """)
        result = self.check()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("storage=mariadb", result.stdout)
        os.remove(mariadb)
        result = self.check()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("storage=sqlite", result.stdout)

    def test_a_drop_in_naming_the_same_plugin_merges_key_by_key(self):
        self.drop_in("50-sqlite.toml", '[storage]\nplugin = "sqlite"\nbatch_max = "many"\n')
        result = self.check()
        self.assertEqual(result.returncode, 78)
        # natter.toml's `path` stayed; the drop-in's key was checked beside it.
        self.assertIn("50-sqlite.toml:3: [storage] key 'batch_max'", result.stderr)

    def test_an_error_in_a_drop_in_names_that_file(self):
        bad = self.drop_in("50-typo.toml", '[storage]\npathh = "/x"\n')
        result = self.check()
        self.assertEqual(result.returncode, 78)
        self.assertIn(f"{bad}:2: [storage] unknown key 'pathh' for plugin 'sqlite'; did you mean 'path'?",
                      result.stderr)


class ExitAndFileModeTest(unittest.TestCase):
    def test_an_unknown_option_is_a_usage_error(self):
        result = subprocess.run([NATTERD, "--no-such-option"], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 64)  # EX_USAGE
        self.assertIn("--no-such-option", result.stderr)

    def test_the_database_is_not_world_readable_under_a_loose_umask(self):
        with tempfile.TemporaryDirectory(prefix="natter-umask-") as d:
            config = os.path.join(d, "natter.toml")
            with open(config, "w") as f:
                f.write(f'[broker]\nadmin_listen = ""\n[storage]\nplugin = "sqlite"\npath = "{d}/h.db"\n'
                        '[[transport]]\nplugin = "websocket"\nlisten = "127.0.0.1:0"\n')
            process = subprocess.Popen([NATTERD, "--config", config], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, text=True, preexec_fn=lambda: os.umask(0o022))
            try:
                for _ in range(100):
                    if os.path.exists(f"{d}/h.db"):
                        break
                    time.sleep(0.05)
                self.assertEqual(os.stat(f"{d}/h.db").st_mode & 0o777 & ~0o640, 0,
                                 oct(os.stat(f"{d}/h.db").st_mode & 0o777))
            finally:
                process.terminate()
                process.communicate(timeout=30)


class PluginRefusalTest(unittest.TestCase):
    """A bad plugin named in the config: one line naming the file and the
    reason, exit code 1, and nothing listening."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="natter-refuse-")
        self.path = os.path.join(self.dir.name, "natter.toml")

    def tearDown(self):
        self.dir.cleanup()

    def run_with_filter(self, plugin_path, extra="", *flags):
        with open(self.path, "w") as f:
            f.write(f'[broker]\nadmin_listen = ""\n[storage]\nplugin = "sqlite"\npath = "{self.dir.name}/h.db"\n'
                    f'[[filter]]\nplugin = "{plugin_path}"\n{extra}\n{GOOD_TRANSPORT}')
        return subprocess.run([NATTERD, *flags, "--config", self.path], capture_output=True, text=True,
                              timeout=30)

    def assert_refused(self, result, message):
        self.assertEqual(result.returncode, 78, result.stderr)  # a plugin that cannot be loaded is a config error
        self.assertIn(message, result.stderr)
        self.assertNotIn("ready", result.stderr)

    def test_not_a_shared_object(self):
        fake = os.path.join(self.dir.name, "natter_filter_fake.so")
        with open(fake, "w") as f:
            f.write("this is text\n")
        self.assert_refused(self.run_with_filter(fake),
                            f"{fake}: not a loadable shared object (")

    def test_missing_descriptor(self):
        so = f"{FIXTURES}/fixture_no_descriptor.so"
        self.assert_refused(self.run_with_filter(so),
                            f"{so}: not a natter plugin (no 'natter_plugin' descriptor symbol)")

    def test_abi_it_does_not_speak(self):
        so = f"{FIXTURES}/fixture_wrong_abi.so"
        self.assert_refused(self.run_with_filter(so),
                            f"{so}: plugin 'from_the_future' speaks plugin ABI 99.0, this broker speaks 1.{ABI_MINOR}")

    def test_a_plugin_built_for_abi_1_0_still_loads(self):
        result = self.run_with_filter(f"{FIXTURES}/fixture_abi_1_0_filter.so", "", "--check-config")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("ABI", result.stderr)

    def test_a_filter_built_for_abi_1_6_is_left_alone_by_a_reload(self):
        # Since 1.7, natterd reloads plugins that answer natter::Reloadable; a 1.6 one
        # cannot, and must keep running through SIGHUP untouched.
        with open(self.path, "w") as f:
            f.write(f'[broker]\nadmin_listen = ""\n[storage]\nplugin = "sqlite"\npath = "{self.dir.name}/h.db"\n'
                    f'[[filter]]\nplugin = "{FIXTURES}/fixture_abi_1_6_filter.so"\n{GOOD_TRANSPORT}')
        log_path = os.path.join(self.dir.name, "natterd.log")
        with open(log_path, "w") as log:
            natterd = subprocess.Popen([NATTERD, "--config", self.path], stdout=log, stderr=log)

        def wait_for(text):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with open(log_path) as f:
                    if text in f.read():
                        return
                time.sleep(0.05)
            self.fail(f"no '{text}' in:\n{open(log_path).read()}")
        try:
            wait_for(" ready: node ")
            natterd.send_signal(signal.SIGHUP)
            wait_for("reload: nothing in the config that can change live has changed")
        finally:
            natterd.terminate()
            natterd.wait(timeout=20)
        self.assertEqual(natterd.returncode, 0, open(log_path).read())
        self.assertNotIn("reload refused", open(log_path).read())

    def test_a_transport_built_for_abi_1_3_still_serves_its_session(self):
        # Its Commands end before 1.4's fields, right at an unreadable page.
        events = os.path.join(self.dir.name, "events.txt")
        with open(self.path, "w") as f:
            f.write(f'[broker]\nadmin_listen = ""\nlog_level = "debug"\n'
                    f'[storage]\nplugin = "sqlite"\npath = "{self.dir.name}/h.db"\n'
                    f'[[transport]]\nplugin = "{FIXTURES}/fixture_abi_1_3_transport.so"\nevents = "{events}"\n')
        natterd = subprocess.Popen([NATTERD, "--config", self.path], stderr=subprocess.PIPE, text=True)
        received = []  # (event kind, ref, messages)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not {"s", "p"} <= {ref for _, ref, _ in received}:
                time.sleep(0.05)
                if os.path.exists(events):
                    with open(events) as f:
                        received = [(int(kind), ref, int(count))
                                    for kind, ref, count in (line.split(" ") for line in f.read().splitlines())]
        finally:
            natterd.terminate()
            _, log = natterd.communicate(timeout=20)
        self.assertEqual(natterd.returncode, 0, log)
        # welcome, joined, message, ack, a history of that one message, pong
        self.assertEqual(sorted(received), [(1, "", 0), (2, "j", 0), (4, "", 0), (5, "s", 0), (6, "h", 1), (8, "p", 0)],
                         log)
        self.assertIn("transport: ABI 1.3", log)

    def test_a_transport_built_for_abi_1_4_still_serves_its_session(self):
        # Its Commands end before 1.5's fields, right at an unreadable page,
        # and it knows no error code past `forbidden`.
        events = os.path.join(self.dir.name, "events.txt")
        with open(self.path, "w") as f:
            f.write(f'[broker]\nadmin_listen = ""\nlog_level = "debug"\n'
                    f'[storage]\nplugin = "sqlite"\npath = "{self.dir.name}/h.db"\n'
                    f'[[transport]]\nplugin = "{FIXTURES}/fixture_abi_1_4_transport.so"\nevents = "{events}"\n')
        natterd = subprocess.Popen([NATTERD, "--config", self.path], stderr=subprocess.PIPE, text=True)
        received = []  # (event kind, ref, messages, error code)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and "p" not in {ref for _, ref, _, _ in received}:
                time.sleep(0.05)
                if os.path.exists(events):
                    with open(events) as f:
                        received = [(int(kind), ref, int(count), int(code)) for kind, ref, count, code
                                    in (line.split(" ") for line in f.read().splitlines())]
        finally:
            natterd.terminate()
            _, log = natterd.communicate(timeout=20)
        self.assertEqual(natterd.returncode, 0, log)
        # welcome, joined, message, ack, the refused join as not_found (8:
        # no_such_room is 1.5's), a history of the one message, pong
        self.assertEqual(sorted(received), [(1, "", 0, 0), (2, "j", 0, 0), (4, "", 0, 0), (5, "s", 0, 0),
                                            (6, "h", 1, 0), (7, "d", 0, 8), (8, "p", 0, 0)], log)
        self.assertIn("transport: ABI 1.4", log)

    def run_old_transport(self, minor, expected):
        """natterd with the fixture transport of ABI 1.`minor`
        (older_abi_transport.cpp); the events its sessions received,
        once `expected` are among them: (user, event kind, ref, messages,
        error code)."""
        events = os.path.join(self.dir.name, "events.txt")
        with open(self.path, "w") as f:
            f.write(f'[broker]\nadmin_listen = ""\nlog_level = "debug"\n'
                    f'[storage]\nplugin = "sqlite"\npath = "{self.dir.name}/h.db"\n'
                    f'[[transport]]\nplugin = "{FIXTURES}/fixture_abi_1_{minor}_transport.so"\nevents = "{events}"\n')
        natterd = subprocess.Popen([NATTERD, "--config", self.path], stderr=subprocess.PIPE, text=True)

        def received():
            if not os.path.exists(events):
                return []
            with open(events) as f:
                return sorted((user, int(kind), ref, int(count), int(code)) for user, kind, ref, count, code
                              in (line.split(" ") for line in f.read().splitlines()))
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not set(expected) <= set(received()):
                time.sleep(0.05)
            time.sleep(0.3)  # a receipt would come right behind the message
            got = received()
        finally:
            natterd.terminate()
            _, log = natterd.communicate(timeout=20)
        self.assertEqual(natterd.returncode, 0, log)
        self.assertIn(f"transport: ABI 1.{minor}", log)
        return got, log

    def test_a_transport_built_for_abi_1_5_never_gets_the_events_1_6_added(self):
        # alice15 writes bob15 directly: a 1.6 client would hear `delivered`
        # (kind 18), which a 1.5 transport cannot encode.
        # alice15: welcome, the message, its ack, a history of it, pong; bob15: welcome, the message
        expected = [("alice15", 1, "", 0, 0), ("alice15", 4, "", 0, 0), ("alice15", 5, "s", 0, 0),
                    ("alice15", 6, "h", 1, 0), ("alice15", 8, "p", 0, 0),
                    ("bob15", 1, "", 0, 0), ("bob15", 4, "", 0, 0)]
        got, log = self.run_old_transport(5, expected)
        self.assertEqual(got, expected, log)

    def test_a_transport_built_for_abi_1_9_is_not_read_for_a_traceparent(self):
        # Its Commands end where 1.9's did, before an unreadable page: a broker
        # that looked for 1.10's traceparent there would crash. Its sends get a
        # trace of the broker's own, in the log.
        expected = [("alice15", 1, "", 0, 0), ("alice15", 4, "", 0, 0), ("alice15", 5, "s", 0, 0),
                    ("alice15", 6, "h", 1, 0), ("alice15", 8, "p", 0, 0), ("alice15", 18, "", 0, 0),
                    ("bob15", 1, "", 0, 0), ("bob15", 4, "", 0, 0)]
        got, log = self.run_old_transport(9, expected)
        self.assertEqual(got, expected, log)
        self.assertRegex(log, r"message \d+ in 'dm:alice15:bob15' from alice15 accepted, trace [0-9a-f]{32}")

    def test_a_transport_built_for_abi_1_10_is_not_read_for_attachments(self):
        # Its Commands end where 1.10's did: a broker that looked for 1.11's
        # attachments there would crash. Its messages carry none.
        expected = [("alice15", 1, "", 0, 0), ("alice15", 4, "", 0, 0), ("alice15", 5, "s", 0, 0),
                    ("alice15", 6, "h", 1, 0), ("alice15", 8, "p", 0, 0), ("alice15", 18, "", 0, 0),
                    ("bob15", 1, "", 0, 0), ("bob15", 4, "", 0, 0)]
        got, log = self.run_old_transport(10, expected)
        self.assertEqual(got, expected, log)

    def test_unknown_kind(self):
        so = f"{FIXTURES}/fixture_unknown_kind.so"
        self.assert_refused(self.run_with_filter(so),
                            f"{so}: plugin 'mystery' declares unknown kind 42")

    def test_plugin_of_the_wrong_kind_for_its_section(self):
        storage = os.path.join(os.path.dirname(NATTERD), "..", "lib", "natter", "plugins",
                               "natter_storage_sqlite.so")
        self.assert_refused(self.run_with_filter(os.path.normpath(storage)),
                            "plugin 'sqlite' is a storage plugin, not a filter plugin")

    def test_constructor_refusal_names_the_key(self):
        so = f"{FIXTURES}/fixture_failing_start.so"
        result = self.run_with_filter(so, 'reason = ""')
        with open(self.path) as f:
            line = f.read().splitlines().index('reason = ""') + 1
        self.assert_refused(result, f"{self.path}:{line}: [filter] key 'reason': must not be empty")

    def test_start_failure_stops_what_started_and_exits_1(self):
        so = f"{FIXTURES}/fixture_failing_start.so"
        result = self.run_with_filter(so, 'reason = "disk on fire"')
        # Not the config's fault: a failure (1), which systemd restarts.
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn(f"[filter] plugin 'failing_start' ({so}): start failed: disk on fire", result.stderr)
        self.assertIn("stopping sqlite", result.stderr)


class PinnedIoThreadsTest(unittest.TestCase):
    """`cpus` pins each WebSocket I/O thread to one CPU; a CPU this process
    may not use stops the start with one clear line."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="natter-cpus-")
        self.path = os.path.join(self.dir.name, "natter.toml")
        self.allowed = sorted(os.sched_getaffinity(0))

    def tearDown(self):
        self.dir.cleanup()

    def write_config(self, cpus):
        with open(self.path, "w") as f:
            f.write(f'[broker]\nadmin_listen = ""\n[storage]\nplugin = "sqlite"\npath = "{self.dir.name}/h.db"\n'
                    f'{GOOD_TRANSPORT}cpus = "{cpus}"\n')

    def thread_cpus(self, started_on=None):
        """Each thread's allowed CPUs once natterd is ready, natterd started
        on `started_on` (a set of CPUs) if given."""
        on_cpus = None if started_on is None else lambda: os.sched_setaffinity(0, started_on)
        process = subprocess.Popen([NATTERD, "--config", self.path], stderr=subprocess.PIPE, text=True,
                                   preexec_fn=on_cpus)
        try:
            while True:
                line = process.stderr.readline()
                self.assertTrue(line, "natterd ended before it was ready")
                if " ready: " in line:
                    break
            pinned = {}
            for tid in os.listdir(f"/proc/{process.pid}/task"):
                with open(f"/proc/{process.pid}/task/{tid}/comm") as f:
                    name = f.read().strip()
                with open(f"/proc/{process.pid}/task/{tid}/status") as f:
                    allowed = [l.split()[1] for l in f if l.startswith("Cpus_allowed_list:")][0]
                pinned[name] = allowed
        finally:
            process.terminate()
            process.communicate(timeout=30)
        return pinned

    def test_each_io_thread_runs_only_on_its_cpu(self):
        cpu = self.allowed[-1]
        self.write_config(cpu)
        pinned = self.thread_cpus()
        self.assertEqual(pinned["ws-io-0"], str(cpu))
        if len(self.allowed) > 1:
            self.assertNotEqual(pinned["natter-loop"], str(cpu), "only the I/O threads are pinned")

    def test_natterd_started_on_other_cpus_keeps_its_other_threads_there(self):
        # docs/configuration.md's way to keep the I/O CPUs to the I/O threads.
        if len(self.allowed) < 2:
            self.skipTest("needs two CPUs")
        io_cpu, other_cpu = self.allowed[-1], self.allowed[0]
        self.write_config(io_cpu)
        pinned = self.thread_cpus(started_on={other_cpu})
        self.assertEqual(pinned.pop("ws-io-0"), str(io_cpu))
        self.assertEqual(set(pinned.values()), {str(other_cpu)}, pinned)
        self.assertIn("sqlite-store", pinned)

    def test_a_cpu_this_process_may_not_use_stops_the_start(self):
        cpu = self.allowed[-1] + 1
        if cpu >= 1024:
            self.skipTest("every CPU number is allowed here")
        self.write_config(cpu)
        result = subprocess.run([NATTERD, "--config", self.path], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 1, result.stderr)
        with open("/sys/devices/system/cpu/online") as f:
            online = f.read().strip()
        self.assertIn(f"start failed: cannot start I/O threads: cannot pin ws-io-0 to CPU {cpu} "
                      f"(natterd runs on CPUs {','.join(map(str, self.allowed))} of this machine's {online})",
                      result.stderr)
        self.assertNotIn(" ready: ", result.stderr)


class OtherFlagsTest(unittest.TestCase):
    def test_version_names_the_plugin_abi(self):
        result = subprocess.run([NATTERD, "--version"], capture_output=True, text=True, timeout=10)
        self.assertEqual(result.returncode, 0)
        self.assertRegex(result.stdout, rf"^natterd \d+\.\d+\.\d+ \(plugin ABI 1\.{ABI_MINOR}\)")

    def test_version_names_the_malloc_the_build_chose(self):
        result = subprocess.run([NATTERD, "--version"], capture_output=True, text=True, timeout=10)
        expected = {"jemalloc": r"\nallocator: jemalloc 5\.\d+\.\d+",
                    "glibc": r"\nallocator: glibc malloc 2\.\d+",
                    "sanitizer": r"\nallocator: malloc of \S*libasan"}[os.environ["NATTER_EXPECT_ALLOCATOR"]]
        self.assertRegex(result.stdout, expected)

    def test_list_plugins_shows_every_bundled_plugin_and_its_keys(self):
        result = subprocess.run([NATTERD, "--list-plugins", "--config", "/nonexistent.toml"],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        for header in ("websocket  transport", "sqlite  storage", "local  pubsub", "anonymous  auth"):
            self.assertIn(header, result.stdout)
        self.assertIn("listen (string, default \"127.0.0.1:8080\"): Address and port", result.stdout)
        # Defaults as TOML spells them, so they can be pasted into natter.toml.
        self.assertIn("max_message_bytes (integer, default 65536):", result.stdout)
        self.assertIn("web (boolean, default true):", result.stdout)
        self.assertIn("allowed_origins (list of strings, default []):", result.stdout)
        self.assertIn('servers (list of strings, default ["127.0.0.1:3306"]):', result.stdout)
        self.assertIn("lists (list of strings, required):", result.stdout)

    def test_under_journald_lines_carry_a_syslog_priority_and_no_timestamp(self):
        with tempfile.TemporaryDirectory() as work:
            config = os.path.join(work, "natter.toml")
            with open(config, "w") as f:
                f.write(f'[broker]\nadmin_listen = ""\n[storage]\nplugin = "sqlite"\npath = "{work}/h.db"\n'
                        + GOOD_TRANSPORT)
            process = subprocess.Popen([NATTERD, "--config", config], stderr=subprocess.PIPE, text=True,
                                       env={**os.environ, "JOURNAL_STREAM": "8:12345"})
            lines = []
            while not any(" ready: " in line for line in lines):
                line = process.stderr.readline()
                self.assertTrue(line, "natterd ended before it was ready")
                lines.append(line.rstrip("\n"))
            process.terminate()
            lines += process.communicate(timeout=30)[1].splitlines()
        self.assertEqual(process.returncode, 0)
        self.assertTrue(all(line.startswith(("<6>info: ", "<4>warning: ", "<3>error: ")) for line in lines), lines)
        self.assertIn("<6>info: natterd", "\n".join(lines))

    def test_help_lists_the_flags(self):
        result = subprocess.run([NATTERD, "--help"], capture_output=True, text=True, timeout=10)
        self.assertEqual(result.returncode, 0)
        for flag in ("--config", "--check-config", "--list-plugins", "--version"):
            self.assertIn(flag, result.stdout)


if __name__ == "__main__":
    unittest.main()
