"""Connections that never finish the upgrade, or go silent after it, are
closed by the server's handshake and idle timeouts."""

import base64
import os
import socket
import time
import unittest

from natter_harness import Natterd


def upgrade(port):
    s = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /ws?user=quiet HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: natter.v1\r\n\r\n").encode())
    return s


def seconds_until_closed(s, limit=10):
    """Reads (and ignores) whatever arrives until the server closes."""
    s.settimeout(limit)
    started = time.monotonic()
    while s.recv(65536):
        pass
    return time.monotonic() - started


class TimeoutTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Natterd(extra="handshake_timeout_ms = 500\nidle_timeout_ms = 1500\n"
                                   "ping_interval_ms = 500\n").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def test_a_connection_that_never_upgrades_is_closed(self):
        with socket.create_connection(("127.0.0.1", self.server.port)) as s:
            self.assertLess(seconds_until_closed(s), 3)

    def test_a_client_that_never_answers_pings_is_closed_after_the_idle_timeout(self):
        with upgrade(self.server.port) as s:
            s.settimeout(5)
            self.assertIn(b"101 Switching Protocols", s.recv(4096))
            elapsed = seconds_until_closed(s)
            self.assertGreater(elapsed, 1.0)
            self.assertLess(elapsed, 4)

    def test_a_plain_http_request_is_told_to_upgrade(self):
        with socket.create_connection(("127.0.0.1", self.server.port)) as s:
            s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
            s.settimeout(5)
            self.assertIn(b"426 Upgrade Required", s.recv(4096))


if __name__ == "__main__":
    unittest.main()
