"""docs/architecture.md stays true to the tree: every file it names
exists. A name with a slash is a path from the top of the repository (or,
in a link, from docs/); a bare file name must exist somewhere in the
tree; `a.{hpp,cpp}` names both."""

import os
import re
import unittest

SOURCE = os.environ.get("NATTER_SOURCE_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DOC = os.path.join(SOURCE, "docs", "architecture.md")
FILE = re.compile(r"^[\w./{},-]+\.(?:\{[\w,]+\}|hpp|cpp|py|md|cmake|toml|txt)$")


def expand(name):
    """'a.{hpp,cpp}' -> ['a.hpp', 'a.cpp']."""
    match = re.search(r"\{([^}]*)\}", name)
    if not match:
        return [name]
    return [n for part in match.group(1).split(",")
            for n in expand(name[:match.start()] + part + name[match.end():])]


def tree_files():
    names = set()
    for folder, dirs, files in os.walk(SOURCE):
        dirs[:] = [d for d in dirs if d not in (".git", "build") and not d.startswith("build-")]
        names.update(files)
    return names


class ArchitectureDocTest(unittest.TestCase):
    def test_every_file_it_names_exists(self):
        with open(DOC, encoding="utf-8") as f:
            text = f.read()
        files = tree_files()
        named, missing = 0, []
        for token in re.findall(r"`([^`\s]+)`", text):
            token = token.split("::")[0]
            if not FILE.match(token):
                continue
            for name in expand(token):
                named += 1
                if "/" in name:
                    if not os.path.exists(os.path.join(SOURCE, name.rstrip("/"))):
                        missing.append(name)
                elif name not in files:
                    missing.append(name)
        for link in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in link:
                continue
            named += 1
            if not os.path.exists(os.path.join(SOURCE, "docs", link)):
                missing.append(link)
        self.assertGreater(named, 40, "found too few file names: did the pattern break?")
        self.assertEqual(missing, [], "docs/architecture.md names files that do not exist")

    def test_the_checker_expands_braces(self):
        self.assertEqual(expand("chat/a.{hpp,cpp}"), ["chat/a.hpp", "chat/a.cpp"])


if __name__ == "__main__":
    unittest.main()
