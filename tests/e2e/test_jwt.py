"""auth_jwt in a running natterd, with tokens made by PyJWT (python3-jwt)
and keys made by openssl: a valid token of each algorithm signs the user in
as its `sub`; each of the ways a token can be wrong is refused with its own
reason, to the client (`unauthorized`, then close 4001) and in the log; a
session ends with 4001 when its token expires; SIGHUP re-reads the keys."""

import asyncio
import base64
import json
import os
import subprocess
import tempfile
import time
import unittest

import jwt
import websockets

from natter_harness import Natterd

ISSUER, AUDIENCE = "https://id.example", "natter"


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def b64(data):
    return base64.urlsafe_b64encode(data if isinstance(data, bytes) else json.dumps(data).encode()).rstrip(b"=").decode()


class JwtTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="natter-jwt-")
        d = cls.dir.name
        cls.private = {}
        for name, args in (("rs", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                           ("other", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                           ("es256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                           ("es384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]),
                           ("ed", ["-algorithm", "ED25519"])):
            openssl("genpkey", *args, "-out", f"{d}/{name}.key")
            openssl("pkey", "-in", f"{d}/{name}.key", "-pubout", "-out", f"{d}/{name}.pub")
            cls.private[name] = open(f"{d}/{name}.key").read()
        cls.secret = os.urandom(64)
        with open(f"{d}/secret", "wb") as f:
            f.write(cls.secret)
        cls.rs_pub = open(f"{d}/rs.pub").read()
        keys = [f"rs RS256 {d}/rs.pub", f"rsbig RS384,RS512 {d}/rs.pub", f"es256 ES256 {d}/es256.pub",
                f"es384 ES384 {d}/es384.pub", f"ed EdDSA {d}/ed.pub", f"hs HS256,HS384,HS512 {d}/secret"]
        cls.server = Natterd(extra="")
        with open(cls.server.config_path) as f:
            config = f.read().replace('[auth]\nplugin = "anonymous"', "")
        config += ("\n[auth]\nplugin = \"jwt\"\nkeys = [" + ", ".join(f'"{k}"' for k in keys) + "]\n"
                   f'issuer = "{ISSUER}"\naudience = ["{AUDIENCE}"]\n')
        with open(cls.server.config_path, "w") as f:
            f.write(config)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.dir.cleanup()

    def token(self, alg="RS256", kid="rs", key=None, **claims):
        now = int(time.time())
        payload = {"sub": "jill", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 600}
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        if key is None:
            key = {"RS": self.private["rs"], "ES": self.private.get("es" + alg[2:]), "Ed": self.private["ed"],
                   "HS": self.secret}[alg[:2]]
        headers = {"kid": kid} if kid else {}
        return jwt.encode(payload, key, algorithm=alg, headers=headers)

    async def signs_in(self, token):
        """The `welcome` a token gets."""
        async with websockets.connect(f"{self.server.url}?token={token}", subprotocols=["natter.v1"]) as ws:
            return json.loads(await asyncio.wait_for(ws.recv(), 5))

    async def refused(self, token, reason):
        """Asserts `token` is refused with `reason`, to the client and in the log."""
        url = f"{self.server.url}?token={token}" if token is not None else self.server.url
        async with websockets.connect(url, subprotocols=["natter.v1"]) as ws:
            error = json.loads(await asyncio.wait_for(ws.recv(), 5))
            with self.assertRaises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
        self.assertEqual((error["type"], error["code"]), ("error", "unauthorized"), error)
        self.assertIn(reason, error["message"])
        self.assertEqual(closed.exception.rcvd.code, 4001)
        for _ in range(50):
            if f": {error['message']}" in self.server.log():
                return
            await asyncio.sleep(0.02)
        self.fail(f"'{error['message']}' is not in the log")

    async def test_a_valid_token_of_each_algorithm_signs_in_its_sub(self):
        for alg, kid in (("RS256", "rs"), ("RS384", "rsbig"), ("RS512", "rsbig"), ("ES256", "es256"),
                         ("ES384", "es384"), ("EdDSA", "ed"), ("HS256", "hs"), ("HS384", "hs"), ("HS512", "hs")):
            with self.subTest(alg=alg):
                welcome = await self.signs_in(self.token(alg, kid, sub=f"user_{alg}"))
                self.assertEqual((welcome["type"], welcome["user"]), ("welcome", f"user_{alg}"))

    async def test_each_wrong_token_is_refused_with_its_own_reason(self):
        now = int(time.time())
        good = self.token()
        header, payload, signature = good.split(".")
        cases = [
            ("alg none", b64({"alg": "none", "kid": "rs"}) + "." + payload + ".", "alg none is never accepted"),
            ("HS256 with the RSA public key as secret",
             b64({"alg": "HS256", "kid": "rs"}) + "." + payload + "." +
             b64(__import__("hmac").new(self.rs_pub.encode(), (b64({"alg": "HS256", "kid": "rs"}) + "." + payload)
                                        .encode(), "sha256").digest()),
             "alg HS256 is not pinned to key rs"),
            ("RS512 where RS256 is pinned", self.token("RS512", "rs"), "alg RS512 is not pinned to key rs"),
            ("truncated signature", f"{header}.{payload}.{b64(jwt.utils.base64url_decode(signature)[:128])}",
             "bad signature for key rs"),
            ("empty signature", f"{header}.{payload}.", "empty signature"),
            ("2 segments", f"{header}.{payload}", "2 segments, 3 expected"),
            ("4 segments", f"{good}.x", "4 segments, 3 expected"),
            ("bad base64url", f"{header}*.{payload}.{signature}", "header is not base64url-encoded JSON"),
            ("unknown kid", self.token(kid="nope"), "unknown kid nope"),
            ("kid with path characters", self.token(kid="../../etc/passwd"), "kid is not a key id"),
            ("expired", self.token(exp=now - 30), "expired at"),
            ("not yet valid", self.token(nbf=now + 300), "not valid before"),
            ("issued in the future", self.token(iat=now + 300), "issued in the future"),
            ("wrong iss", self.token(iss="https://evil.example"), "wrong issuer (iss)"),
            ("wrong aud", self.token(aud="someone-else"), "wrong audience (aud)"),
            ("missing sub", self.token(sub=None), "no sub claim to name the user"),
            ("signed by another key", self.token(key=self.private["other"]), "bad signature for key rs"),
            ("no exp", self.token(exp=None), "no exp claim: tokens must expire"),
            ("no token at all", None, "a token is needed"),
        ]
        for name, token, reason in cases:
            with self.subTest(name):
                await self.refused(token, reason)

    async def test_a_session_ends_when_its_token_expires(self):
        token = self.token(sub="brief", exp=int(time.time()) + 2)
        async with websockets.connect(f"{self.server.url}?token={token}", subprotocols=["natter.v1"]) as ws:
            self.assertEqual(json.loads(await ws.recv())["user"], "brief")
            error = None
            with self.assertRaises(websockets.ConnectionClosed) as closed:
                while True:
                    error = json.loads(await asyncio.wait_for(ws.recv(), 6))
        self.assertEqual(error["code"], "unauthorized")
        self.assertIn("the token expired", error["message"])
        self.assertEqual(closed.exception.rcvd.code, 4001)

    async def test_sighup_rereads_the_keys(self):
        d = self.dir.name
        signed_by_other = self.token(key=self.private["other"], sub="rotated")
        await self.refused(signed_by_other, "bad signature for key rs")
        os.rename(f"{d}/rs.pub", f"{d}/rs.pub.old")
        os.symlink(f"{d}/other.pub", f"{d}/rs.pub")
        try:
            await self.server.reload_until("keys reloaded: 6")
            self.assertEqual((await self.signs_in(signed_by_other))["user"], "rotated")
        finally:
            os.remove(f"{d}/rs.pub")
            os.rename(f"{d}/rs.pub.old", f"{d}/rs.pub")
            await self.server.reload_until("keys reloaded: 6")


if __name__ == "__main__":
    unittest.main()
