"""auth_jwt with keys from JSON Web Key Sets: an identity provider's
jwks_url (served by this test over HTTP on loopback) and a jwks_file. A
token signed by a key of either signs in; a key the provider rotates in is
found by fetching again on its unknown kid; a made-up kid right after does
not make natter fetch again (at most once a minute); a broken key set
served later keeps the keys in use; SIGHUP re-reads the file."""

import asyncio
import base64
import http.server
import json
import os
import re
import tempfile
import threading
import time
import unittest

import jwt
import websockets
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from natter_harness import Natterd


def jwk(algorithm, private, kid, **extra):
    key = json.loads(algorithm.to_jwk(private.public_key()))
    return {**key, "kid": kid, **extra}


class Provider(http.server.ThreadingHTTPServer):
    """/.well-known/jwks.json, with whatever body the test sets."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.body = b"{}"
        self.fetches = 0
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def publish(self, *keys):
        self.body = json.dumps({"keys": list(keys)}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/.well-known/jwks.json":
            self.send_error(404)
            return
        self.server.fetches += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, *args):
        pass


class JwksTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="natter-jwks-")
        cls.keys = {"idp1": rsa.generate_private_key(65537, 2048), "idp2": ec.generate_private_key(ec.SECP256R1()),
                    "file-ed": ed25519.Ed25519PrivateKey.generate()}
        cls.secret = os.urandom(48)
        cls.provider = Provider()
        # An encryption key and one natter cannot use ride along, and are skipped.
        cls.provider.publish(jwk(RSAAlgorithm, cls.keys["idp1"], "idp1", alg="RS256", use="sig"),
                             jwk(RSAAlgorithm, rsa.generate_private_key(65537, 2048), "enc1", use="enc"),
                             {"kty": "EC", "crv": "secp256k1", "kid": "k1", "x": "AA", "y": "AA"})
        cls.jwks_file = os.path.join(cls.dir.name, "keys.json")
        with open(cls.jwks_file, "w") as f:
            json.dump({"keys": [jwk(OKPAlgorithm, cls.keys["file-ed"], "file-ed"),
                                {"kty": "oct", "kid": "file-hs", "alg": "HS384",
                                 "k": base64.urlsafe_b64encode(cls.secret).rstrip(b"=").decode()}]}, f)
        url = f"http://127.0.0.1:{cls.provider.server_address[1]}/.well-known/jwks.json"
        cls.server = Natterd(extra="")
        with open(cls.server.config_path, "a") as f:
            f.write(f'\n[auth]\nplugin = "jwt"\njwks_url = "{url}"\njwks_file = "{cls.jwks_file}"\n'
                    'audience = ["natter"]\n')
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.provider.shutdown()
        cls.provider.server_close()
        cls.dir.cleanup()

    def token(self, kid, alg, sub="jo", key=None):
        now = int(time.time())
        return jwt.encode({"sub": sub, "aud": "natter", "iat": now, "exp": now + 600},
                          key if key is not None else self.keys[kid], algorithm=alg, headers={"kid": kid})

    async def answer(self, token):
        """The first event a connection with `token` gets."""
        async with websockets.connect(f"{self.server.url}?token={token}", subprotocols=["natter.v1"]) as ws:
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    async def until_fetched(self, count):
        for _ in range(200):
            if self.provider.fetches >= count:
                return
            await asyncio.sleep(0.025)
        self.fail(f"jwks_url fetched {self.provider.fetches} times, not {count}")

    async def test_1_keys_from_the_url_and_the_file_sign_in(self):
        await self.until_fetched(1)
        for kid, alg, key in (("idp1", "RS256", None), ("file-ed", "EdDSA", None), ("file-hs", "HS384", self.secret)):
            with self.subTest(kid=kid):
                welcome = await self.answer(self.token(kid, alg, sub=f"via_{kid}".replace("-", "_"), key=key))
                self.assertEqual((welcome["type"], welcome.get("user")), ("welcome", f"via_{kid}".replace("-", "_")))
        # A key pinned to RS256 by its alg in the set verifies nothing else.
        refused = await self.answer(self.token("idp1", "RS512"))
        self.assertIn("alg RS512 is not pinned to key idp1", refused["message"])
        log = self.server.log()
        self.assertIn("skipped", log)
        self.assertIn("'enc1': for use 'enc', not signatures", log)
        self.assertIn("kty 'EC' crv 'secp256k1' is not one natter verifies with", log)

    async def test_2_a_rotated_key_is_fetched_on_its_unknown_kid_once_a_minute_at_most(self):
        await self.until_fetched(1)
        before = self.provider.fetches
        self.provider.publish(jwk(RSAAlgorithm, self.keys["idp1"], "idp1", alg="RS256"),
                              jwk(ECAlgorithm, self.keys["idp2"], "idp2"))
        welcome = await self.answer(self.token("idp2", "ES256", sub="rotated"))
        self.assertEqual((welcome["type"], welcome.get("user")), ("welcome", "rotated"))
        self.assertEqual(self.provider.fetches, before + 1)
        # Right after, a made-up kid is refused without another fetch.
        refused = await self.answer(self.token("made-up", "ES256", key=self.keys["idp2"]))
        self.assertEqual(refused["code"], "unauthorized")
        self.assertIn("unknown kid made-up", refused["message"])
        self.assertEqual(self.provider.fetches, before + 1)

    async def test_3_a_broken_key_set_keeps_the_keys_in_use_and_sighup_rereads_the_file(self):
        await self.until_fetched(1)
        self.provider.body = b"<html>maintenance</html>"
        fetched = self.provider.fetches
        added = ed25519.Ed25519PrivateKey.generate()
        with open(self.jwks_file) as f:
            keys = json.load(f)
        keys["keys"].append(jwk(OKPAlgorithm, added, "file-added"))
        with open(self.jwks_file, "w") as f:
            json.dump(keys, f)
        await self.server.reload_until("keys reloaded")
        welcome = await self.answer(self.token("file-added", "EdDSA", sub="added", key=added))
        self.assertEqual(welcome.get("user"), "added")
        await self.until_fetched(fetched + 1)
        for _ in range(100):
            if "not updated" in self.server.log():
                break
            await asyncio.sleep(0.02)
        self.assertIn("not updated: http://127.0.0.1", self.server.log())
        welcome = await self.answer(self.token("idp1", "RS256", sub="still_in"))
        self.assertEqual(welcome.get("user"), "still_in")
        status, metrics = self.server.admin("/metrics")
        self.assertGreaterEqual(int(re.search(r"^natter_plugin_jwt_jwks_failures_total (\d+)", metrics, re.M)[1]), 1)
        self.assertGreaterEqual(int(re.search(r"^natter_plugin_jwt_jwks_fetches_total (\d+)", metrics, re.M)[1]), 1)


if __name__ == "__main__":
    unittest.main()
