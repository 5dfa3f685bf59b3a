"""wss://: the WebSocket transport with tls_cert and tls_key speaks TLS
only, with Python's own ssl and websockets as the client. Chat works as on
ws://, including a burst larger than a socket buffer and frames sent right
behind the upgrade request; a client that does not trust the certificate,
an old TLS version and plain HTTP are refused (the last with a sentence);
SIGHUP swaps a renewed certificate without dropping anyone and keeps the
old one if the new files are broken."""

import asyncio
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest
import warnings

from natter_harness import Client, Natterd


def make_certificate(directory, name, common_name="localhost"):
    """A self-signed certificate for localhost and its key: (cert, key)."""
    cert, key = os.path.join(directory, name + ".crt"), os.path.join(directory, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={common_name}",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def trusting(cert, **versions):
    """A client context that trusts only `cert`."""
    context = ssl.create_default_context(cafile=cert)
    for attribute, value in versions.items():
        setattr(context, attribute, value)
    return context


def metric(text, name):
    match = re.search(rf"^{name} (\d+)$", text, re.M)
    return int(match.group(1)) if match else 0


class TlsTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="natter-tls-")
        cls.cert, cls.key = make_certificate(cls.dir.name, "first")
        cls.live_cert, cls.live_key = os.path.join(cls.dir.name, "live.crt"), os.path.join(cls.dir.name, "live.key")
        shutil.copy(cls.cert, cls.live_cert)
        shutil.copy(cls.key, cls.live_key)
        cls.server = Natterd(extra=f'tls_cert = "{cls.live_cert}"\ntls_key = "{cls.live_key}"\n').start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.dir.cleanup()

    def setUp(self):
        self.clients = []

    async def asyncTearDown(self):
        for client in self.clients:
            await client.close()

    async def connect(self, user, context=None):
        client = await Client.connect(self.server, user, ssl=context or trusting(self.cert))
        self.clients.append(client)
        return client

    def failures(self):
        return metric(self.server.admin("/metrics")[1], "natter_plugin_websocket_tls_handshake_failures_total")

    async def test_chat_over_wss(self):
        ann = await self.connect("ann")
        bob = await self.connect("bob")
        await ann.join("secure")
        await bob.join("secure")
        await ann.say("secure", "over tls", ref="a1")
        self.assertEqual((await bob.until("message", room="secure"))["body"], "over tls")
        self.assertEqual((await ann.until("ack", ref="a1"))["room"], "secure")
        await bob.send(op="history", room="secure", ref="h")
        self.assertEqual([m["body"] for m in (await bob.until("history", ref="h"))["messages"]], ["over tls"])
        self.assertTrue(self.server.log().count("listening on wss://127.0.0.1:"))

    async def test_tls_1_2_with_a_forward_secret_aead_cipher_and_1_3(self):
        old = await self.connect("tls12", trusting(self.cert, maximum_version=ssl.TLSVersion.TLSv1_2))
        new = await self.connect("tls13")
        cipher, version, _ = old.ws.transport.get_extra_info("ssl_object").cipher()
        self.assertEqual(version, "TLSv1.2")
        self.assertRegex(cipher, r"^ECDHE-(ECDSA|RSA)-(AES\d+-GCM|CHACHA20-POLY1305)")
        self.assertEqual(new.ws.transport.get_extra_info("ssl_object").version(), "TLSv1.3")

    async def test_tls_older_than_1_2_is_refused(self):
        before = self.failures()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # which is the point
            context = trusting(self.cert, minimum_version=ssl.TLSVersion.TLSv1,
                               maximum_version=ssl.TLSVersion.TLSv1_1)
        context.set_ciphers("ALL:@SECLEVEL=0")
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            await self.connect("old", context)
        self.assertEqual(self.failures(), before + 1)

    async def test_a_client_that_does_not_trust_the_certificate_is_refused(self):
        before = self.failures()
        with self.assertRaises(ssl.SSLCertVerificationError):
            await self.connect("doubter", ssl.create_default_context())
        for _ in range(50):  # the server hears the client's alert a moment later
            if self.failures() > before:
                break
            await asyncio.sleep(0.02)
        self.assertEqual(self.failures(), before + 1)

    def test_plain_http_on_the_tls_port_is_told_to_use_wss(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as s:
            s.sendall(b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
            answer = s.recv(4096).decode()
        self.assertTrue(answer.startswith("HTTP/1.1 400 Bad Request"), answer)
        self.assertIn("this port speaks TLS; connect with wss://", answer)

    def test_upgrade_refusals_come_back_over_tls(self):
        def status(request):
            with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as raw:
                with trusting(self.cert).wrap_socket(raw, server_hostname="localhost") as s:
                    s.sendall(request.encode())
                    return s.recv(4096).decode().split("\r\n")[0]
        upgrade = ("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
        self.assertEqual(status(f"GET /elsewhere HTTP/1.1\r\nHost: x\r\n{upgrade}\r\n"), "HTTP/1.1 404 Not Found")
        self.assertEqual(status("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n"), "HTTP/1.1 426 Upgrade Required")
        self.assertEqual(status(f"GET /ws HTTP/1.1\r\nHost: x\r\n{upgrade.replace('dGhl', '!!!!')}\r\n"),
                         "HTTP/1.1 400 Bad Request")
        self.assertEqual(status(f"GET /ws HTTP/1.1\r\nHost: x\r\nX-Pad: {'p' * 9000}\r\n{upgrade}\r\n"),
                         "HTTP/1.1 431 Request Header Fields Too Large")

    def test_frames_sent_behind_the_request_are_read(self):
        def masked_text(payload):
            data = payload.encode()
            mask = b"\x01\x02\x03\x04"
            return bytes([0x81, 0x80 | len(data)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        request = ("GET /ws?user=eager HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Protocol: natter.v1\r\n\r\n")
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as raw:
            with trusting(self.cert).wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(request.encode() + masked_text(json.dumps({"op": "ping", "ref": "early"})))
                received = b""
                while b'"ref":"early"' not in received:
                    chunk = s.recv(65536)
                    self.assertTrue(chunk, received)
                    received += chunk
        head = received.split(b"\r\n\r\n")[0].decode()
        self.assertTrue(head.startswith("HTTP/1.1 101 Switching Protocols"), head)
        self.assertIn("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", head)  # RFC 6455's own example
        self.assertIn("Sec-WebSocket-Protocol: natter.v1", head)

    async def test_a_burst_larger_than_the_socket_buffers_arrives_whole_and_in_order(self):
        writer = await self.connect("writer")
        reader = await self.connect("reader")
        await writer.join("burst")
        await reader.join("burst")
        body = "x" * 3000
        for i in range(2000):
            await writer.send(op="send", room="burst", body=f"{i} {body}")
        # The reader reads only now: ~6 MB waited in the server's queue and TLS.
        seen = []
        while len(seen) < 2000:
            event = await reader.next_of("message", timeout=10)
            seen.append(int(event["body"].split(" ")[0]))
        self.assertEqual(seen, list(range(2000)))

    async def test_sighup_swaps_a_renewed_certificate_and_keeps_it_if_the_new_files_are_broken(self):
        ann = await self.connect("renew-ann")
        await ann.join("renew")
        second_cert, second_key = make_certificate(self.dir.name, "second")
        shutil.copy(second_cert, self.live_cert)
        shutil.copy(second_key, self.live_key)
        try:
            await self.server.reload_until("TLS certificate reloaded")
            # Connected before the swap: still here, still served.
            await ann.say("renew", "still here", ref="r1")
            await ann.until("ack", ref="r1")
            # After it, handshakes present the new certificate.
            await self.connect("renew-new", trusting(second_cert))
            with self.assertRaises(ssl.SSLCertVerificationError):
                await self.connect("renew-old", trusting(self.cert))

            with open(self.live_key, "w") as f:
                f.write("not a key\n")
            await self.server.reload_until("reload refused by")
            self.assertIn(f"cannot use the TLS key {self.live_key}", self.server.log())
            await self.connect("renew-kept", trusting(second_cert))
        finally:
            shutil.copy(self.cert, self.live_cert)
            shutil.copy(self.key, self.live_key)
            await self.server.reload_until("TLS certificate reloaded")



class Tls13OnlyTest(unittest.IsolatedAsyncioTestCase):
    async def test_tls_min_version_1_3_refuses_1_2(self):
        with tempfile.TemporaryDirectory(prefix="natter-tls13-") as directory:
            cert, key = make_certificate(directory, "only13")
            server = Natterd(extra=f'tls_cert = "{cert}"\ntls_key = "{key}"\ntls_min_version = "1.3"\n').start()
            try:
                with self.assertRaises(ssl.SSLError):
                    await Client.connect(server, "tls12", ssl=trusting(cert, maximum_version=ssl.TLSVersion.TLSv1_2))
                client = await Client.connect(server, "tls13", ssl=trusting(cert))
                self.assertEqual(client.ws.transport.get_extra_info("ssl_object").version(), "TLSv1.3")
                await client.close()
            finally:
                server.close()


if __name__ == "__main__":
    unittest.main()
