"""The core's include arrows point one way, and the SDK stands alone.

A file and its header are one unit (chat/session.hpp and chat/session.cpp
are chat/session): a cycle between units is a knot even when no header
includes another header back, as when broker.cpp includes
send_pipeline.hpp and send_pipeline.cpp includes broker.hpp. Every cycle
is listed with the include lines that make it.

Run by hand: python3 tests/broker/test_include_layers.py
"""

import os
import re
import unittest

SOURCE = os.environ.get("NATTER_SOURCE_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)
SUFFIXES = (".hpp", ".cpp", ".h", ".cc")


def sources(top):
    for folder, _, files in os.walk(top):
        for name in sorted(files):
            if name.endswith(SUFFIXES):
                yield os.path.join(folder, name)


def includes(path):
    """(line number, delimiter, included path) for each #include of `path`."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for match in INCLUDE.finditer(text):
        yield text.count("\n", 0, match.start()) + 1, match.group(1), match.group(2)


def unit_graph(top):
    """unit -> {unit it includes: 'file:line' that includes it}, for units
    under `top` whose includes are written relative to `top`."""
    graph = {}
    for path in sources(top):
        unit = os.path.splitext(os.path.relpath(path, top))[0]
        edges = graph.setdefault(unit, {})
        for line, delimiter, included in includes(path):
            if delimiter != '"' or not os.path.exists(os.path.join(top, included)):
                continue
            target = os.path.splitext(included)[0]
            if target != unit:
                edges.setdefault(target, f"{os.path.relpath(path, SOURCE)}:{line}")
    return graph


def cycles(graph):
    """The strongly connected components with more than one unit (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(unit):
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        on_stack.add(unit)
        for target in graph.get(unit, {}):
            if target not in index:
                visit(target)
                low[unit] = min(low[unit], low[target])
            elif target in on_stack:
                low[unit] = min(low[unit], index[target])
        if low[unit] == index[unit]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == unit:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for unit in sorted(graph):
        if unit not in index:
            visit(unit)
    return found


def describe(graph, component):
    members = set(component)
    return "\n".join(f"  {unit} -> {target} ({where})" for unit in component
                     for target, where in sorted(graph[unit].items()) if target in members)


class IncludeLayersTest(unittest.TestCase):
    def test_no_unit_of_the_core_includes_one_that_includes_it_back(self):
        graph = unit_graph(os.path.join(SOURCE, "broker"))
        self.assertGreater(len(graph), 20, "found too few units: is NATTER_SOURCE_DIR right?")
        knots = cycles(graph)
        self.assertEqual(knots, [], "include cycles in broker/:\n" +
                         "\n".join(describe(graph, c) for c in knots))

    def test_nothing_under_sdk_includes_the_core(self):
        sdk = os.path.join(SOURCE, "sdk")
        broker = os.path.join(SOURCE, "broker")
        offending = []
        for path in sources(sdk):
            for line, delimiter, included in includes(path):
                here = os.path.join(os.path.dirname(path), included)
                in_sdk = os.path.exists(here) or os.path.exists(os.path.join(sdk, "include", included))
                if "broker/" in included or (not in_sdk and os.path.exists(os.path.join(broker, included))):
                    offending.append(f"{os.path.relpath(path, SOURCE)}:{line}: #include {included}")
        self.assertEqual(offending, [], "the SDK includes the core:\n" + "\n".join(offending))

    def test_the_checker_finds_a_cycle_between_a_header_and_a_source(self):
        # The knot this test was written against: each .cpp includes the other's header.
        graph = {"chat/broker": {"chat/send_pipeline": "broker.cpp:10"},
                 "chat/send_pipeline": {"chat/broker": "send_pipeline.cpp:6"},
                 "chat/session": {}}
        self.assertEqual(cycles(graph), [["chat/broker", "chat/send_pipeline"]])


if __name__ == "__main__":
    unittest.main()
