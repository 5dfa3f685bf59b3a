"""The .deb packages on a clean Debian 12: built with debhelper and passed
by lintian, installed into a fresh `debootstrap --variant=minbase bookworm`
root, run as the natter user with the shipped config, extended with a
plugin built out of tree from natter-dev alone, booted under systemd in
systemd-nspawn, and purged. Slow (minutes): it downloads Debian packages."""

import asyncio
import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from natter_harness import Client  # noqa: E402

SOURCE = os.environ["NATTER_SOURCE_DIR"]
BUILD = os.environ["NATTER_BUILD_DIR"]
MIRROR = "http://deb.debian.org/debian"


def run(*command, check=True, timeout=900, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed ({result.returncode}):\n"
                             f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def port_is_free(port):
    # As natterd binds (SO_REUSEADDR): the last run's connections in
    # TIME_WAIT do not make the port taken.
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class Endpoint:
    """What natter_harness.Client needs to connect."""
    url = "ws://127.0.0.1:8080/ws"


class DebianPackagesTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="natter-packages-", dir="/var/tmp")
        cls.debs = os.path.join(BUILD, "debs")  # a fixed path keeps ccache warm
        cls.build_log = run(os.path.join(SOURCE, "packaging", "build-debs.sh"), cls.debs).stdout
        cls.root = os.path.join(cls.work, "root")
        run("debootstrap", "--variant=minbase", "bookworm", cls.root, MIRROR)
        shutil.copy("/etc/resolv.conf", os.path.join(cls.root, "etc", "resolv.conf"))
        os.makedirs(os.path.join(cls.root, "tmp", "debs"))
        for deb in glob.glob(os.path.join(cls.debs, "*.deb")):
            if "dbgsym" not in deb:
                shutil.copy(deb, os.path.join(cls.root, "tmp", "debs"))
        # As on any installed system, /proc is there for maintainer scripts
        # (systemd-tmpfiles needs it to make /var/lib/natter).
        run("mount", "-t", "proc", "proc", os.path.join(cls.root, "proc"))
        cls.chroot("apt-get", "update", "-qq")
        cls.apt_install("/tmp/debs/natterd_0.1.0_amd64.deb", "/tmp/debs/natter-plugin-mariadb_0.1.0_amd64.deb",
                        "/tmp/debs/natter-plugin-redis_0.1.0_amd64.deb", "/tmp/debs/natter-plugin-mqtt_0.1.0_amd64.deb")

    @classmethod
    def tearDownClass(cls):
        cls.unmount_proc()
        shutil.rmtree(cls.work, ignore_errors=True)

    @classmethod
    def unmount_proc(cls):
        proc = os.path.join(cls.root, "proc")
        if os.path.ismount(proc):
            run("umount", "--lazy", proc)

    @classmethod
    def chroot(cls, *command, check=True, user=None, timeout=900):
        prefix = ["chroot"] + ([f"--userspec={user}:{user}"] if user else []) + [cls.root]
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive",
               "LC_ALL": "C.UTF-8", "HOME": "/root"}
        return run(*prefix, *command, check=check, timeout=timeout, env=env)

    @classmethod
    def apt_install(cls, *packages):
        cls.chroot("apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages)

    @contextlib.contextmanager
    def natterd_in_the_root(self):
        """natterd as the natter user on the installed /etc/natter/natter.toml
        (and conf.d), until the block ends; then SIGTERM, which must exit 0."""
        self.assertTrue(port_is_free(8080), "port 8080 is taken on this machine; the shipped config uses it")
        env = {"PATH": "/usr/sbin:/usr/bin", "LC_ALL": "C.UTF-8"}
        process = subprocess.Popen(["chroot", "--userspec=natter:natter", self.root, "/usr/sbin/natterd",
                                    "--config", "/etc/natter/natter.toml"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            for _ in range(100):
                if not port_is_free(8080) or process.poll() is not None:
                    break
                time.sleep(0.1)
            self.assertIsNone(process.poll(), process.stdout.read() if process.poll() is not None else "")
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
            output = process.stdout.read()
            process.stdout.close()
            self.assertEqual(code, 0, output)

    @staticmethod
    def listening(pid):
        """The TCP addresses process `pid` listens on, sorted."""
        lines = run("ss", "-Hltnp").stdout.splitlines()
        return sorted(line.split()[3] for line in lines if f"pid={pid}," in line)

    def test_1_lintian_passed_with_no_errors_or_warnings(self):
        # build-debs.sh runs lintian --pedantic --fail-on error,warning; show what it said.
        tags = [line for line in self.build_log.splitlines() if line[:2] in ("E:", "W:")]
        self.assertEqual(tags, [])
        for package in ("natterd", "natter-dev", "natter-plugin-mariadb", "natter-plugin-redis",
                        "natter-plugin-mqtt"):
            self.assertTrue(glob.glob(os.path.join(self.debs, f"{package}_0.1.0_*.deb")), package)

    def test_2_the_natter_system_user_exists(self):
        entry = self.chroot("getent", "passwd", "natter").stdout.strip().split(":")
        self.assertLess(int(entry[2]), 1000, "not a system user")
        self.assertEqual(entry[5], "/var/lib/natter")
        self.assertEqual(entry[6], "/usr/sbin/nologin")

    def test_2_the_optional_plugins_load_from_their_packages(self):
        listed = self.chroot("natterd", "--list-plugins").stdout
        for line in ("mariadb  storage", "redis  ratelimit", "mqtt  transport"):
            self.assertIn(line, listed)

    def test_2_natterd_provides_every_abi_minor_it_loads_and_plugins_depend_on_theirs(self):
        with open(os.path.join(SOURCE, "sdk", "include", "natter", "abi.hpp")) as f:
            minor = int(re.search(r"kAbiMinor = (\d+);", f.read()).group(1))
        provides = self.chroot("dpkg-query", "-W", "-f=${Provides}", "natterd").stdout
        self.assertEqual(sorted(provides.split(", ")),
                         sorted([f"natter-plugin-abi-1.{m}" for m in range(minor + 1)] + ["natter-plugin-abi-1"]))
        for package in ("natter-plugin-mariadb", "natter-plugin-redis", "natter-plugin-mqtt"):
            depends = self.chroot("dpkg-query", "-W", "-f=${Depends}", package).stdout
            self.assertIn(f"natter-plugin-abi-1.{minor},", depends)

    def test_2_the_user_and_state_directory_come_from_sysusers_and_tmpfiles(self):
        self.assertIn("u natter", self.chroot("cat", "/usr/lib/sysusers.d/natterd.conf").stdout)
        self.assertIn("d /var/lib/natter 0750 natter natter",
                      self.chroot("cat", "/usr/lib/tmpfiles.d/natterd.conf").stdout)
        self.assertEqual(self.chroot("stat", "-c", "%a %U %G", "/var/lib/natter").stdout.split(),
                         ["750", "natter", "natter"])
        self.assertNotIn("adduser", self.chroot("cat", "/var/lib/dpkg/info/natterd.postinst").stdout)

    def test_2_the_installed_guides_link_only_to_installed_files(self):
        doc = os.path.join(self.root, "usr", "share", "doc", "natterd")
        guides = glob.glob(os.path.join(doc, "**", "*.md"), recursive=True)
        self.assertIn(os.path.join(doc, "docs", "configuration.md"), guides)
        broken = []
        for guide in guides:
            with open(guide) as f:
                for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", f.read()):
                    if "://" not in target and not os.path.exists(os.path.join(os.path.dirname(guide), target)):
                        broken.append(f"{os.path.relpath(guide, doc)}: {target}")
        self.assertEqual(broken, [])

    def test_2_the_config_is_a_registered_conffile(self):
        conffiles = self.chroot("dpkg-query", "-W", "-f=${Conffiles}", "natterd").stdout
        self.assertIn("/etc/natter/natter.toml", conffiles)

    def test_6_the_unit_verifies_clean_and_is_hardened(self):
        # After test 5: verify needs systemd's own units (sysinit.target) in the root.
        self.apt_install("systemd")
        unit = os.path.join(self.root, "lib", "systemd", "system", "natter.service")
        verify = run("systemd-analyze", "verify", f"--root={self.root}", "--man=no",
                     "/lib/systemd/system/natter.service", check=False)
        self.assertEqual((verify.returncode, verify.stdout + verify.stderr), (0, ""))
        security = run("systemd-analyze", "security", "--offline=true", f"--root={self.root}", unit,
                       check=False).stdout
        level = float(security.split("Overall exposure level for natter.service:")[1].split()[0])
        self.assertLessEqual(level, 1.4, security[-2000:])
        with open(unit) as f:
            self.assertIn("\nPrivateMounts=yes\n", f.read())

    async def test_3_natterd_runs_as_natter_with_the_shipped_config_and_serves_a_chat(self):
        with self.natterd_in_the_root() as process:
            with open(f"/proc/{process.pid}/status") as f:
                uid = [line.split()[1] for line in f if line.startswith("Uid:")][0]
            self.assertEqual(uid, self.chroot("id", "-u", "natter").stdout.strip())
            # What docs/operations.md says a fresh install serves: loopback only.
            self.assertEqual(self.listening(process.pid), ["127.0.0.1:8080", "127.0.0.1:9090"])
            ann = await Client.connect(Endpoint, "ann")
            bob = await Client.connect(Endpoint, "bob")
            await ann.join("installed")
            await bob.join("installed")
            await ann.say("installed", "hello from the .deb", ref="d1")
            await bob.expect("message", body="hello from the .deb")
            # natterctl, as root, with the token the package made for it.
            self.assertEqual(self.chroot("stat", "-c", "%a %U %G", "/etc/natter/admin.token").stdout.split(),
                             ["640", "root", "natter"])
            status = self.chroot("natterctl", "status").stdout
            self.assertIn("plugin\ttransport\twebsocket", status)
            self.assertIn("sessions\t2", status.splitlines())
            self.assertIn("installed\tpublic\t2\t2\t-", self.chroot("natterctl", "rooms").stdout.splitlines())
            self.chroot("natterctl", "broadcast", "installed", "from the operator")
            system = await bob.expect("message", body="from the operator")
            self.assertEqual(system["from"], "")
            await ann.close()
            await bob.close()
            self.assertTrue(os.path.exists(os.path.join(self.root, "var", "lib", "natter", "natter.db")))
            # The chat page, from /usr/share/natter/web, at / beside the endpoint.
            with urllib.request.urlopen("http://127.0.0.1:8080/") as page:
                self.assertIn(b'src="/app.js"', page.read())
            with urllib.request.urlopen("http://127.0.0.1:8080/natter-client.js") as script:
                self.assertIn(b"export class NatterClient", script.read())

    async def test_4_a_drop_in_alone_switches_storage_to_mariadb_and_back(self):
        sys.path.insert(0, os.path.join(SOURCE, "tests", "fixtures"))
        from mariadb_server import PASSWORD, USER, MariaDB
        database = MariaDB().start()
        self.addCleanup(database.close)
        natter_toml = os.path.join(self.root, "etc", "natter", "natter.toml")
        with open(natter_toml, "rb") as f:
            shipped = f.read()
        # The example natter-plugin-mariadb installs, filled in as its comments say.
        with open(os.path.join(self.root, "usr", "share", "doc", "natter-plugin-mariadb", "examples",
                               "50-mariadb.toml")) as f:
            example = f.read()
        drop_in = os.path.join(self.root, "etc", "natter", "conf.d", "50-mariadb.toml")
        self.addCleanup(lambda: os.path.exists(drop_in) and os.remove(drop_in))
        with open(drop_in, "w") as f:
            f.write(example.replace('"127.0.0.1:3306"', f'"127.0.0.1:{database.port}"')
                    .replace('user = "natter"', f'user = "{USER}"').replace('"change me"', f'"{PASSWORD}"'))
        self.assertIn("storage=mariadb", self.chroot("natterd", "--check-config").stdout)
        with self.natterd_in_the_root():
            self.assertIn("plugin\tstorage\tmariadb", self.chroot("natterctl", "status").stdout)
            ann = await Client.connect(Endpoint, "ann")
            await ann.join("swapped")
            await ann.say("swapped", "kept in mariadb", ref="m1")
            await ann.until("ack", ref="m1")
            await ann.close()
        stored = database.sql("SELECT body FROM messages", database="natter").stdout.split("\n")
        self.assertIn("kept in mariadb", stored)

        os.remove(drop_in)
        with self.natterd_in_the_root():
            self.assertIn("plugin\tstorage\tsqlite", self.chroot("natterctl", "status").stdout)
            ann = await Client.connect(Endpoint, "ann")
            await ann.join("installed")
            await ann.send(op="history", room="installed", limit=10, ref="h")
            bodies = [m["body"] for m in (await ann.until("history", ref="h"))["messages"]]
            self.assertIn("hello from the .deb", bodies)  # SQLite's history, from test 3
            await ann.close()
        with open(natter_toml, "rb") as f:
            self.assertEqual(f.read(), shipped, "the conffile was not touched")

    def test_4_a_plugin_built_out_of_tree_from_natter_dev_loads_and_passes_the_kit(self):
        self.apt_install("/tmp/debs/natter-dev_0.1.0_amd64.deb", "g++", "make")
        # The package's autopkgtest: the example builds without a warning, its
        # own test binary links natter::filter_conformance (GoogleTest from
        # natter-dev's dependencies) and passes, and natterd takes the .so.
        self.chroot("mkdir", "-p", "/tmp/autopkgtest")
        shutil.copy(os.path.join(SOURCE, "packaging", "debian", "tests", "sdk-example"),
                    os.path.join(self.root, "tmp", "sdk-example"))
        with_kit = self.chroot("env", "AUTOPKGTEST_TMP=/tmp/autopkgtest", "/tmp/sdk-example").stdout
        self.assertIn("100% tests passed, 0 tests failed out of 1", with_kit)
        self.assertIn("filter=tag", with_kit)
        plugin = "/tmp/autopkgtest/build/natter_filter_tag.so"
        with open(os.path.join(self.root, "tmp", "tag.toml"), "w") as f:
            f.write('tag = "[ex]"\nreject_word = "spam"\n')
        kit = self.chroot("natter-conformance", "filter", "--plugin", plugin, "--config", "/tmp/tag.toml",
                          "--examples", "/tmp/autopkgtest/filter_tag/examples.toml").stdout
        self.assertIn("[  PASSED  ] 7 tests.", kit)

    def test_5_under_systemd_it_starts_as_natter_reloads_restarts_after_a_crash_and_pins(self):
        self.apt_install("systemd", "systemd-sysv", "python3-websockets", "iproute2")
        self.unmount_proc()  # the container mounts its own
        # The package's autopkgtest that needs the service, run in the booted container.
        shutil.copy(os.path.join(SOURCE, "packaging", "debian", "tests", "service-chat"),
                    os.path.join(self.root, "usr", "local", "sbin", "natter-service-chat"))
        report = os.path.join(self.root, "boot-report")
        with open(os.path.join(self.root, "usr", "local", "sbin", "natter-boot-check"), "w") as f:
            f.write(BOOT_CHECK)
        os.chmod(os.path.join(self.root, "usr", "local", "sbin", "natter-boot-check"), 0o755)
        with open(os.path.join(self.root, "etc", "systemd", "system", "natter-boot-check.service"), "w") as f:
            f.write("[Unit]\nAfter=natter.service\n[Service]\nType=oneshot\n"
                    "ExecStart=/usr/local/sbin/natter-boot-check\n[Install]\nWantedBy=multi-user.target\n")
        self.chroot("systemctl", "enable", "natter.service", "natter-boot-check.service")
        container = subprocess.Popen(["systemd-nspawn", "--quiet", "--register=no", "--keep-unit",
                                      "-D", self.root, "--boot", "--console=read-only"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            container.wait(timeout=180)  # the check powers the container off
        except subprocess.TimeoutExpired:
            container.kill()
            container.wait()
        with open(report) as f:
            lines = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        self.assertEqual(lines.get("active"), "active", lines)
        self.assertEqual(lines.get("service_chat"), "passed", lines)
        self.assertEqual(lines.get("user"), "natter", lines)
        self.assertEqual(lines.get("page"), "yes", lines)
        self.assertEqual(lines.get("ctl_node"), "1", lines)
        self.assertEqual(lines.get("ctl_reload"), "yes", lines)
        self.assertEqual(lines.get("reloaded"), "yes", lines)
        self.assertEqual(lines.get("restarted"), "yes", lines)
        self.assertEqual(lines.get("active_after_crash"), "active", lines)
        self.assertEqual(lines.get("ws_io_cpus"), "0", lines)  # `cpus` works under the unit's filters

    def test_9_purge_removes_package_config_and_state_and_keeps_the_user(self):
        self.chroot("apt-get", "purge", "-y", "-qq", "natterd", "natter-plugin-mariadb", "natter-plugin-redis",
                    "natter-plugin-mqtt", "natter-dev")
        for path in ("usr/sbin/natterd", "etc/natter", "var/lib/natter", "usr/lib/natter/plugins"):
            self.assertFalse(os.path.exists(os.path.join(self.root, path)), path)
        # Debian keeps system users: files it owns must not pass to a later user.
        self.assertEqual(self.chroot("getent", "passwd", "natter", check=False).returncode, 0)


# Runs inside the booted container; writes key=value lines, then powers off.
BOOT_CHECK = r"""#!/bin/sh
out=/boot-report
uid_of() { awk '/^Uid:/ {print $2}' /proc/$1/status; }
wait_active() {
  for i in $(seq 50); do [ "$(systemctl is-active natter)" = active ] && return 0; sleep 0.2; done
}
{
  wait_active
  echo "active=$(systemctl is-active natter)"
  if /usr/local/sbin/natter-service-chat > /tmp/service-chat.log 2>&1; then
    echo service_chat=passed; else echo service_chat=failed; fi
  sed 's/^/service-chat: /' /tmp/service-chat.log
  pid=$(systemctl show -p MainPID --value natter)
  echo "user=$(getent passwd "$(uid_of "$pid")" | cut -d: -f1)"
  # The service's own page and natterctl against the service.
  if python3 -c 'import urllib.request as u; assert b"/app.js" in u.urlopen("http://127.0.0.1:8080/").read()'; then
    echo page=yes; else echo page=no; fi
  echo "ctl_node=$(natterctl status | awk -F'\t' '$1 == "node" {print $2}')"
  if natterctl reload >/dev/null; then echo ctl_reload=yes; else echo ctl_reload=no; fi
  systemctl reload natter
  sleep 1
  if journalctl -u natter --no-pager | grep -q "reload:"; then echo reloaded=yes; else echo reloaded=no; fi
  kill -SEGV "$pid"
  sleep 3
  wait_active
  new=$(systemctl show -p MainPID --value natter)
  if [ -n "$new" ] && [ "$new" != 0 ] && [ "$new" != "$pid" ]; then echo restarted=yes; else echo restarted=no; fi
  echo "active_after_crash=$(systemctl is-active natter)"
  # The shipped config ends with the WebSocket transport's table.
  echo 'cpus = "0"' >> /etc/natter/natter.toml
  systemctl restart natter
  wait_active
  pid=$(systemctl show -p MainPID --value natter)
  for task in /proc/"$pid"/task/*; do
    [ "$(cat "$task"/comm)" = ws-io-0 ] && echo "ws_io_cpus=$(awk '/^Cpus_allowed_list:/ {print $2}' "$task"/status)"
  done
  journalctl -u natter --no-pager | tail -n 20 | sed 's/^/log: /'
} > "$out" 2>&1
systemctl poweroff
"""


if __name__ == "__main__":
    unittest.main()
