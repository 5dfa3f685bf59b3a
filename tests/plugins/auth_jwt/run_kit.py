#!/usr/bin/python3
"""auth_jwt through natter-conformance auth. Tokens expire, so the keys,
the plugin's config and the examples are made fresh here (openssl, PyJWT)
in a temp dir, then the kit runs on them; its exit code is this script's.

    run_kit.py NATTER_CONFORMANCE PLUGIN_SO"""

import os
import subprocess
import sys
import tempfile
import time

import jwt


def main(conformance, plugin):
    with tempfile.TemporaryDirectory(prefix="natter-jwt-kit-") as d:
        keys = {"rs": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
                "other": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
                "es": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "ed": ["-algorithm", "ED25519"]}
        private = {}
        for name, options in keys.items():
            subprocess.run(["openssl", "genpkey", *options, "-out", f"{d}/{name}.key"], check=True, capture_output=True)
            subprocess.run(["openssl", "pkey", "-in", f"{d}/{name}.key", "-pubout", "-out", f"{d}/{name}.pub"],
                           check=True, capture_output=True)
            private[name] = open(f"{d}/{name}.key").read()
        secret = os.urandom(48)
        with open(f"{d}/secret", "wb") as f:
            f.write(secret)
        with open(f"{d}/jwt.toml", "w") as f:
            f.write(f'keys = ["rs RS256 {d}/rs.pub", "es ES256 {d}/es.pub", "ed EdDSA {d}/ed.pub", '
                    f'"hs HS256 {d}/secret"]\naudience = ["natter"]\n')
        now = int(time.time())

        def token(sub="kit-user", alg="RS256", kid="rs", key=None, **claims):
            payload = {"sub": sub, "aud": "natter", "iat": now, "exp": now + 3600, **claims}
            return jwt.encode(payload, key if key is not None else private[kid] if kid != "hs" else secret,
                              algorithm=alg, headers={"kid": kid})

        examples = [
            (token("rs-user"), 'user = "rs-user"'),
            (token("es-user", "ES256", "es"), 'user = "es-user"'),
            (token("ed-user", "EdDSA", "ed"), 'user = "ed-user"'),
            (token("hs-user", "HS256", "hs"), 'user = "hs-user"'),
            (token(exp=now - 60), "refuse = true"),
            (token(aud="elsewhere"), "refuse = true"),
            (token(key=private["other"]), "refuse = true"),
            ("eyJhbGciOiJub25lIiwia2lkIjoicnMifQ.eyJzdWIiOiJ4In0.", "refuse = true"),
            ("", "refuse = true"),
        ]
        with open(f"{d}/examples.toml", "w") as f:
            for value, outcome in examples:
                f.write(f'[[example]]\ntoken = "{value}"\n{outcome}\n\n')
        return subprocess.run([conformance, "auth", "--plugin", plugin, "--config", f"{d}/jwt.toml",
                               "--examples", f"{d}/examples.toml"]).returncode


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
