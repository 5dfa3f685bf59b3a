#!/usr/bin/env python3
"""Builds the libFuzzer harnesses (tests/fuzz, with clang, ASan and UBSan)
and runs each one on its seed corpus for a while.

    tests/fuzz/run_fuzzers.py [--build-dir DIR] [--seconds N] [--only NAME]

The test suite runs each for a few seconds; a real campaign runs them for
ten minutes or more (docs/development.md). New inputs a run finds go to a
scratch corpus in the build directory, never into the seeds in the tree; a
crash leaves its input there too (crash-*), and the run fails."""

import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESSES = ("commands", "frames", "handshake", "envelope", "config", "jwt")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "..", "build", "fuzz"))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--only", choices=HARNESSES)
    opts = parser.parse_args()
    build = os.path.abspath(opts.build_dir)
    clang = shutil.which("clang++")
    if not clang:
        sys.exit("clang++ is missing: packaging/build-deps.sh --test installs it")
    if not os.path.exists(os.path.join(build, "build.ninja")):
        launcher = ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"] if shutil.which("ccache") else []
        subprocess.run(["cmake", "-S", HERE, "-B", build, "-G", "Ninja", f"-DCMAKE_CXX_COMPILER={clang}"] + launcher,
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build], check=True)
    failed = []
    for name in ([opts.only] if opts.only else HARNESSES):
        found = os.path.join(build, "corpus", name)
        os.makedirs(found, exist_ok=True)
        run = subprocess.run([os.path.join(build, f"fuzz_{name}"), found, os.path.join(HERE, "corpus", name),
                              f"-max_total_time={opts.seconds}", f"-artifact_prefix={found}/crash-", "-print_final_stats=1"],
                             capture_output=True, text=True)
        stats = {line.split(":")[2].strip(): line.split(":")[3].strip() for line in run.stderr.splitlines()
                 if line.startswith("stat::") and line.count(":") >= 3}
        done = [line for line in run.stderr.splitlines() if "DONE" in line and "cov:" in line]
        coverage = done[-1].split("DONE", 1)[1].split(" lim:")[0].strip() if done else "?"
        print(f"fuzz_{name}: {stats.get('number_of_executed_units', '?')} runs in {opts.seconds} s ({coverage}), "
              f"exit {run.returncode}")
        if run.returncode != 0:
            failed.append(name)
            print(run.stderr[-4000:])
    if failed:
        sys.exit("crashed: " + ", ".join(failed))


if __name__ == "__main__":
    main()
