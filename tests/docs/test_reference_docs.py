"""What the docs and man pages promise about configuration and command
lines is what the programs accept: every key `natterd --list-plugins`
prints (the broker's and every bundled plugin's) is in
docs/configuration.md and natter.toml(5) with its type and default, and
every option and command the programs' --help shows is in their man page."""

import os
import re
import subprocess
import unittest

import config_reference as reference

NATTERD = os.environ["NATTERD"]
BUILD = os.environ["NATTER_BUILD_DIR"]
DEBIAN = os.path.join(reference.SOURCE, "packaging", "debian")


def read(path):
    with open(path) as f:
        return f.read()


def help_of(*command):
    return subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=60, check=True).stdout


def long_options(help_text):
    return sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", help_text)) - {"--help"})


def in_roff(option):
    return option.replace("-", "\\-")


class ConfigurationReferenceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sections = reference.list_plugins(NATTERD)
        cls.markdown = read(reference.CONFIGURATION_MD)

    def test_natterd_lists_the_broker_and_every_bundled_plugin(self):
        titles = [section.title for section in self.sections]
        for title in ("broker", "transport websocket", "transport mqtt", "storage sqlite", "storage mariadb",
                      "pubsub local", "pubsub redis", "pubsub mqtt", "auth anonymous", "auth jwt",
                      "filter links", "filter wordlist", "ratelimit token_bucket", "ratelimit redis"):
            self.assertIn(title, titles)
        self.assertGreater(sum(len(section.keys) for section in self.sections), 100)

    def test_every_listed_key_is_in_configuration_md_with_its_type_and_default(self):
        documented = reference.documented_section(self.markdown) or ""
        missing = []
        for section in self.sections:
            heading = f"### {section.title}\n"
            body = documented.split(heading, 1)[1].split("\n### ", 1)[0] if heading in documented else ""
            for name, type_, default, _ in section.keys:
                shown = "required" if default is None else "`" + default.replace("|", "\\|") + "`"
                if f"| `{name}` | {type_} | {shown} |" not in body:
                    missing.append(f"{section.title}: {name} ({type_}, {shown})")
        self.assertEqual(missing, [], "missing from docs/configuration.md; run "
                         "tests/docs/config_reference.py --write and explain the key in the prose")

    def test_the_reference_in_configuration_md_is_what_natterd_prints(self):
        self.assertEqual(reference.documented_section(self.markdown), reference.markdown(self.sections),
                         "stale: run tests/docs/config_reference.py --write")

    def test_every_listed_key_is_in_the_natter_toml_man_page(self):
        page = read(reference.MAN_PAGE)
        for section in self.sections:
            self.assertIn(f".SS {section.title}\n" if section.title != "broker" else ".SH BROKER\n", page)
            for name, type_, default, _ in section.keys:
                self.assertIn(f".B {name}\n{reference.roff_text(type_)}", page, f"{section.title}: {name}")
        self.assertEqual(page, reference.man_page(self.sections, reference.changelog_version()),
                         "stale: run tests/docs/config_reference.py --write")

    def test_the_prose_names_every_broker_key(self):
        # The broker's keys are explained in their own table above the reference.
        prose = self.markdown.split(reference.BEGIN)[0]
        for name, _, _, _ in self.sections[0].keys:
            self.assertIn(f"| `{name}` |", prose, name)


class ManPageTest(unittest.TestCase):
    def test_natterd_8_names_every_option_signal_exit_status_and_the_drop_ins(self):
        page = read(os.path.join(DEBIAN, "natterd.8"))
        for option in long_options(help_of(NATTERD)):
            self.assertIn(in_roff(option), page, option)
        for part in (".SH ENVIRONMENT", "NATTER_PLUGIN_PATH", ".SH EXIT STATUS", ".B 78", ".B 64",
                     "SIGHUP", "SIGTERM", "conf.d/*.toml", "natter.toml (5)"):
            self.assertIn(part, page)

    def test_natterctl_1_names_every_command_and_option(self):
        natterctl = os.path.join(reference.SOURCE, "broker", "natterctl", "natterctl")
        text = help_of("python3", natterctl)
        page = read(os.path.join(DEBIAN, "natterctl.1"))
        for option in long_options(text):
            self.assertIn(in_roff(option), page, option)
        commands = re.findall(r"^    ([a-z]+)\s", text, re.M)
        self.assertIn("status", commands)
        for command in commands:
            self.assertRegex(page, rf"\.BI? {command}\b", command)

    def test_natter_conformance_1_names_every_kind_and_option(self):
        conformance = os.path.join(BUILD, "bin", "natter-conformance")
        page = read(os.path.join(DEBIAN, "natter-conformance.1"))
        text = help_of(conformance)
        for option in long_options(text):
            self.assertIn(in_roff(option), page, option)
        for kind in ("storage", "pubsub", "auth", "filter", "ratelimit"):
            self.assertIn(kind, page)


if __name__ == "__main__":
    unittest.main()
