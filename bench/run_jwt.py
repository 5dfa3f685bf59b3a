#!/usr/bin/python3
"""What verifying a JWT costs natter's auth_jwt, per algorithm, side by
side with PyJWT (python3-jwt, the library a Python service would verify
with) on the same tokens in the same run. Keys come from openssl, tokens
from PyJWT.

    bench/run_jwt.py [--seconds 1]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import jwt

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("NATTER_BUILD_DIR", os.path.join(HERE, "..", "build"))
KEYS = {"rsa": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        "p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "p384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        "ed": ["-algorithm", "ED25519"]}
ALGS = [("HS256", "hs"), ("HS512", "hs"), ("RS256", "rsa"), ("RS512", "rsa"), ("ES256", "p256"), ("ES384", "p384"),
        ("EdDSA", "ed")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="natter-bench-jwt-") as d:
        private, public = {}, {}
        for name, options in KEYS.items():
            subprocess.run(["openssl", "genpkey", *options, "-out", f"{d}/{name}.key"], check=True)
            subprocess.run(["openssl", "pkey", "-in", f"{d}/{name}.key", "-pubout", "-out", f"{d}/{name}.pub"],
                           check=True)
            private[name], public[name] = open(f"{d}/{name}.key").read(), open(f"{d}/{name}.pub").read()
        secret = os.urandom(64)
        with open(f"{d}/secret", "wb") as f:
            f.write(secret)
        private["hs"] = public["hs"] = secret
        keys = [f'"hs HS256,HS512 {d}/secret"'] + [f'"{n} {",".join(a for a, k in ALGS if k == n)} {d}/{n}.pub"'
                                                   for n in KEYS]
        with open(f"{d}/auth.toml", "w") as f:
            f.write(f"keys = [{', '.join(keys)}]\nissuer = \"bench\"\naudience = [\"natter\"]\n")
        claims = {"sub": "bench-user", "iss": "bench", "aud": "natter", "iat": int(time.time()),
                  "exp": int(time.time()) + 3600}
        tokens = {alg: jwt.encode(claims, private[key], algorithm=alg, headers={"kid": key}) for alg, key in ALGS}
        with open(f"{d}/tokens.txt", "w") as f:
            f.writelines(f"{alg} {token}\n" for alg, token in tokens.items())
        out = subprocess.run([os.path.join(BUILD, "bin", "natter_bench_auth"), "--plugin", "jwt", "--config",
                              f"{d}/auth.toml", "--tokens", f"{d}/tokens.txt", "--seconds", str(args.seconds)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(out.stderr + out.stdout)
        natter = {}
        for line in out.stdout.splitlines():
            if line.startswith("{"):
                print(line)
                row = json.loads(line)
                natter[row["token"]] = row["us_per_verify"]
        print(f"\n{'alg':<8} {'natter us':>10} {'PyJWT us':>9} {'natter/PyJWT':>13}")
        for alg, key in ALGS:
            # The key parsed once, as natter does, so both time verification only.
            prepared = jwt.algorithms.get_default_algorithms()[alg].prepare_key(public[key])
            calls, start = 0, time.perf_counter()
            while time.perf_counter() - start < args.seconds:
                jwt.decode(tokens[alg], prepared, algorithms=[alg], audience="natter", issuer="bench")
                calls += 1
            pyjwt = (time.perf_counter() - start) * 1e6 / calls
            print(f"{alg:<8} {natter[alg]:>10.2f} {pyjwt:>9.2f} {natter[alg] / pyjwt:>13.2f}")


if __name__ == "__main__":
    main()
