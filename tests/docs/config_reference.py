#!/usr/bin/python3
"""The reference of every config key, made from what `natterd --list-plugins`
prints, so the docs cannot drift from the code: a table per section in
docs/configuration.md (between the markers below) and the man page
natter.toml(5). The test beside it fails when either is stale.

    python3 tests/docs/config_reference.py --write [--natterd build/bin/natterd]

rewrites both after a key was added, renamed or given a new default."""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
CONFIGURATION_MD = os.path.join(SOURCE, "docs", "configuration.md")
MAN_PAGE = os.path.join(SOURCE, "packaging", "debian", "natter.toml.5")
BEGIN = "<!-- BEGIN every key: made by tests/docs/config_reference.py --write from natterd --list-plugins -->"
END = "<!-- END every key -->"

KEY_LINE = re.compile(r"^    (\w+) \(([a-z ]+?)(?:, default (.*?)|, required)\): (.*)$")
PLUGIN_LINE = re.compile(r"^(\w+)  (\w+)  (\S+)  (\S+)$")
SECTION_OF_KIND = {"transport": "[[transport]]", "storage": "[storage]", "pubsub": "[pubsub]",
                   "auth": "[auth]", "filter": "[[filter]]", "ratelimit": "[[ratelimit]]",
                   "attachments": "[attachments]", "hook": "[[hook]]"}


class Section:
    """The broker's settings or one plugin's: a title and its keys, each
    (name, type, default as TOML or None when required, meaning)."""

    def __init__(self, title, table, summary=""):
        self.title, self.table, self.summary, self.keys = title, table, summary, []


def list_plugins(natterd):
    """Sections in the order --list-plugins prints them."""
    output = subprocess.run([natterd, "--list-plugins", "--config", "/nonexistent.toml"],
                            capture_output=True, text=True, timeout=60, check=True).stdout
    sections = []
    for line in output.splitlines():
        if line == "broker settings [broker]":
            sections.append(Section("broker", "[broker]"))
        elif line == "fault policy [<section>.faults]":
            sections.append(Section("fault policy", "[<section>.faults]",
                                    "in the table of any auth, ratelimit, storage, hook or attachments plugin"))
        elif match := PLUGIN_LINE.match(line):
            name, kind = match.group(1), match.group(2)
            sections.append(Section(f"{kind} {name}", f'{SECTION_OF_KIND[kind]} plugin = "{name}"'))
        elif match := KEY_LINE.match(line):
            sections[-1].keys.append(match.groups())
        elif line.startswith("  ") and not line.startswith("    ") and sections:
            sections[-1].summary = line.strip()
        elif line.startswith("refused:"):
            raise RuntimeError(line)
    return sections


def markdown(sections):
    def cell(text):
        return text.replace("|", "\\|")
    lines = [BEGIN, ""]
    for section in sections:
        lines += [f"### {section.title}", ""]
        lines += [f"`{section.table}`" + (f": {cell(section.summary)}." if section.summary else ""), ""]
        lines += ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
        for name, type_, default, meaning in section.keys:
            shown = "required" if default is None else f"`{cell(default)}`"
            lines.append(f"| `{name}` | {type_} | {shown} | {cell(meaning)} |")
        lines.append("")
    return "\n".join(lines + [END])


def roff_text(text):
    text = text.replace("\\", "\\e")
    return "\\&" + text if text[:1] in (".", "'") else text


def man_page(sections, version):
    lines = [
        f'.TH NATTER.TOML 5 "2026-12-06" "natter {version}" "File Formats"',
        ".SH NAME",
        "natter.toml \\- natterd configuration file",
        ".SH DESCRIPTION",
        ".B natterd",
        "reads one TOML file,",
        ".I /etc/natter/natter.toml",
        "unless",
        ".B \\-\\-config",
        "names another, and then every",
        ".I *.toml",
        "file in",
        ".I conf.d/",
        "beside it, in name order. Later files win key by key and tables merge,",
        "except that a table naming another",
        ".B plugin",
        "than the earlier one replaces it whole, so a drop-in such as",
        ".I conf.d/50\\-mariadb.toml",
        "swaps a backend without editing natter.toml;",
        "arrays of tables such as [[filter]] are appended.",
        ".PP",
        "The broker's own keys are in [broker]. Each plugin is a table:",
        "[storage], [pubsub] and [auth] hold one plugin each (default",
        '"sqlite", "local" and "anonymous"), and [[transport]] (at least one),',
        "[[filter]] and [[ratelimit]] any number, applied in order;",
        "[attachments] at most one (none: no files are shared), [[hook]] any number.",
        'A plugin table names its plugin with plugin = "NAME" (the file',
        ".I natter_<kind>_<NAME>.so",
        "in the plugin directories) or a path to a .so file, and holds that",
        "plugin's keys beside it. Unknown keys, wrong types and values out of",
        "range stop the start with file and line;",
        ".B natterd \\-\\-check\\-config",
        "checks without starting anything.",
        ".PP",
        "Below, every key of the broker and of the plugins natter ships, with",
        "its type and default as TOML spells it, as",
        ".B natterd \\-\\-list\\-plugins",
        "prints them; the configuration guide",
        ".I /usr/share/doc/natterd/docs/configuration.md",
        "explains them at length.",
    ]
    for index, section in enumerate(sections):
        if index == 0:
            lines.append(".SH BROKER")
        else:
            lines += [".SH PLUGINS"] if index == 1 else []
            lines.append(f".SS {section.title}")
        lines.append(roff_text(section.table + (f": {section.summary}." if section.summary else "")))
        for name, type_, default, meaning in section.keys:
            lines += [".TP", f".B {name}",
                      roff_text(f"{type_}, " + ("required" if default is None else f"default {default}")
                                + f". {meaning}")]
    lines += [".SH FILES", ".TP", ".I /etc/natter/natter.toml", "The configuration (a conffile).",
              ".TP", ".I /etc/natter/conf.d/*.toml", "Drop-ins, merged in name order.",
              ".SH SEE ALSO", ".BR natterd (8),", ".BR natterctl (1)"]
    return "\n".join(lines) + "\n"


def changelog_version():
    with open(os.path.join(SOURCE, "packaging", "debian", "changelog")) as f:
        return re.search(r"\((.*?)\)", f.readline()).group(1)


def documented_section(text):
    """The generated part of docs/configuration.md, or None."""
    if BEGIN not in text or END not in text:
        return None
    return text[text.index(BEGIN):text.index(END) + len(END)]


def write(natterd):
    sections = list_plugins(natterd)
    with open(CONFIGURATION_MD) as f:
        text = f.read()
    old = documented_section(text)
    new = markdown(sections)
    text = text.replace(old, new) if old else text.rstrip("\n") + "\n\n## Every key\n\n" + new + "\n"
    with open(CONFIGURATION_MD, "w") as f:
        f.write(text)
    with open(MAN_PAGE, "w") as f:
        f.write(man_page(sections, changelog_version()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", required=True)
    parser.add_argument("--natterd", default=os.path.join(SOURCE, "build", "bin", "natterd"))
    write(parser.parse_args().natterd)
    sys.exit(0)
