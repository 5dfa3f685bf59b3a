"""Connections that never finish the upgrade, go silent after it, or never
answer the server's close are closed by the server's timeouts; quiet
clients that answer pings stay."""

import base64
import os
import socket
import struct
import time
import unittest

from natter_harness import Natterd


def upgrade(port, user="quiet"):
    s = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /ws?user={user} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
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


def read_answer(s):
    """Reads the 101 answer; returns the bytes that came behind it."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, rest = data.split(b"\r\n\r\n", 1)
    assert b"101 Switching Protocols" in head, head
    return rest


def frames(s, data=b""):
    """Yields (opcode, payload) of each server frame as it arrives."""
    while True:
        while len(data) >= 2:
            length, at = data[1] & 0x7F, 2
            if length == 126:
                length, at = struct.unpack(">H", data[2:4])[0], 4
            elif length == 127:
                length, at = struct.unpack(">Q", data[2:10])[0], 10
            if len(data) < at + length:
                break
            yield data[0] & 0x0F, data[at:at + length]
            data = data[at + length:]
        more = s.recv(65536)
        if not more:
            return
        data += more


def pong():
    return bytes([0x8A, 0x80]) + os.urandom(4)  # masked, empty


class TimeoutTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Natterd(extra="handshake_timeout_ms = 500\nidle_timeout_ms = 1500\n"
                                   "ping_interval_ms = 500\n", close_timeout_ms=800).start()

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

    def test_a_quiet_client_that_answers_pings_stays_connected(self):
        with upgrade(self.server.port) as s:
            s.settimeout(5)
            started, pings = time.monotonic(), 0
            for opcode, _ in frames(s, read_answer(s)):
                if opcode == 0x9:
                    pings += 1
                    s.sendall(pong())
                if time.monotonic() - started > 3:  # twice the idle timeout
                    break
            self.assertGreaterEqual(pings, 4)  # every ping_interval_ms while quiet

    def test_a_client_that_never_answers_the_close_is_dropped_after_close_timeout(self):
        with upgrade(self.server.port, user="bad%20name") as s:
            s.settimeout(5)
            opcodes = []
            for opcode, _ in frames(s, read_answer(s)):
                opcodes.append(opcode)
                if opcode == 0x8:
                    break
            self.assertEqual(opcodes[-1], 0x8)  # the server's close (4001), which we ignore
            elapsed = seconds_until_closed(s)
            self.assertGreater(elapsed, 0.6)
            self.assertLess(elapsed, 2.5)

    def test_a_plain_http_request_is_told_to_upgrade(self):
        with socket.create_connection(("127.0.0.1", self.server.port)) as s:
            s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
            s.settimeout(5)
            self.assertIn(b"426 Upgrade Required", s.recv(4096))


if __name__ == "__main__":
    unittest.main()
