"""Bad input from one client gets a clear answer (an error event, or the
right close code) and never disturbs anyone else: every test ends by
checking that a bystander in a room is still served."""

import asyncio
import json
import socket
import unittest

import websockets
from websockets.frames import Opcode

from natter_harness import Client, Natterd

MAX_MESSAGE_BYTES = 4096


class BadInputTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Natterd(max_message_bytes=MAX_MESSAGE_BYTES).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    async def asyncSetUp(self):
        self.talker = await Client.connect(self.server, "talker")
        self.bystander = await Client.connect(self.server, "bystander")
        self.room = f"room-{self.id().rsplit('.', 1)[-1]}"[:100]
        await self.talker.join(self.room)
        await self.bystander.join(self.room)
        await self.talker.expect("joined", user="bystander")
        self.offender = await websockets.connect(f"{self.server.url}?user=offender",
                                                 subprotocols=["natter.v1"])
        welcome = json.loads(await self.offender.recv())
        self.assertEqual(welcome["type"], "welcome")

    async def asyncTearDown(self):
        await self.assert_bystander_still_served()
        for ws in (self.talker.ws, self.bystander.ws, self.offender):
            await ws.close()

    async def assert_bystander_still_served(self):
        await self.talker.say(self.room, "still here?", ref="probe-" + self.room)
        event = await self.bystander.expect("message", body="still here?")
        self.assertEqual(event["from"], "talker")

    async def offender_error(self, frame):
        await self.offender.send(frame)
        event = json.loads(await asyncio.wait_for(self.offender.recv(), 5))
        self.assertEqual(event["type"], "error", event)
        return event

    async def offender_closed_with(self, code):
        with self.assertRaises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(self.offender.recv(), 5)
        self.assertEqual(closed.exception.code, code)

    async def test_malformed_json_is_a_bad_request(self):
        event = await self.offender_error('{"op": "send", "room": ')
        self.assertEqual(event["code"], "bad_request")
        self.assertIn("malformed JSON", event["message"])

    async def test_json_nested_deeper_than_32_is_refused(self):
        event = await self.offender_error('{"op":"ping","x":' + "[" * 40 + "]" * 40 + "}")
        self.assertEqual(event["code"], "bad_request")
        self.assertIn("deeper than 32", event["message"])

    async def test_json_nested_32_deep_is_accepted(self):
        await self.offender.send('{"op":"ping","ref":"deep","x":' + "[" * 31 + "]" * 31 + "}")
        event = json.loads(await asyncio.wait_for(self.offender.recv(), 5))
        self.assertEqual(event, {"type": "pong", "ref": "deep"})

    async def test_unknown_op_names_the_op(self):
        event = await self.offender_error('{"op": "shout", "ref": "x1"}')
        self.assertEqual(event["code"], "bad_request")
        self.assertEqual(event["ref"], "x1")
        self.assertIn("unknown op 'shout'", event["message"])

    async def test_a_command_that_is_not_an_object_is_refused(self):
        event = await self.offender_error('["op", "send"]')
        self.assertIn("JSON object", event["message"])

    async def test_missing_field_is_named(self):
        event = await self.offender_error('{"op": "send", "room": "r", "ref": "m1"}')
        self.assertEqual(event["code"], "bad_request")
        self.assertIn("missing field 'body'", event["message"])
        self.assertEqual(event["ref"], "m1")

    async def test_wrong_typed_field_is_named(self):
        event = await self.offender_error('{"op": "join", "room": 42}')
        self.assertIn("field 'room' must be a string", event["message"])

    async def test_numeric_id_is_refused_because_ids_are_strings(self):
        event = await self.offender_error('{"op": "join", "room": "r", "since": 12345}')
        self.assertIn("field 'since' must be a message id", event["message"])

    async def test_frame_over_the_size_limit_is_closed_with_1009(self):
        await self.offender.send(json.dumps({"op": "send", "room": self.room,
                                             "body": "x" * (MAX_MESSAGE_BYTES + 1)}))
        await self.offender_closed_with(1009)

    async def test_invalid_utf8_is_closed_with_1007(self):
        await self.offender.write_frame(True, Opcode.TEXT, b'{"op":"ping","ref":"\xff\xfe"}')
        await self.offender_closed_with(1007)

    async def test_binary_frame_is_closed_with_1003(self):
        await self.offender.send(b'{"op":"ping"}')
        await self.offender_closed_with(1003)

    async def test_send_to_a_room_not_joined_is_not_member(self):
        event = await self.offender_error(json.dumps(
            {"op": "send", "room": self.room, "body": "let me in", "ref": "s1"}))
        self.assertEqual(event["code"], "not_member")
        self.assertEqual(event["ref"], "s1")

    async def test_history_of_a_room_not_joined_is_not_member(self):
        event = await self.offender_error(json.dumps({"op": "history", "room": self.room}))
        self.assertEqual(event["code"], "not_member")

    async def test_empty_room_name_is_refused(self):
        event = await self.offender_error('{"op": "join", "room": ""}')
        self.assertEqual(event["code"], "bad_request")
        self.assertIn("room name is empty", event["message"])

    async def test_overlong_room_name_is_refused(self):
        event = await self.offender_error(json.dumps({"op": "join", "room": "r" * 129}))
        self.assertEqual(event["code"], "bad_request")
        self.assertIn("129 bytes; the limit is 128", event["message"])

    async def test_a_c1_control_character_in_a_room_name_is_refused(self):
        event = await self.offender_error(json.dumps({"op": "join", "room": "next\u0085line"}))
        self.assertEqual(event["code"], "bad_request")
        self.assertIn("control character", event["message"])

    def upgrade_status(self, key="dGhlIHNhbXBsZSBub25jZQ==", extra_headers=""):
        """The status line natterd answers a hand-written upgrade request with."""
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as s:
            s.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                       f"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n"
                       f"Sec-WebSocket-Protocol: natter.v1\r\n{extra_headers}\r\n").encode())
            return s.recv(4096).decode(errors="replace").split("\r\n", 1)[0]

    async def test_a_malformed_websocket_key_is_refused_with_400(self):
        self.assertEqual(self.upgrade_status(), "HTTP/1.1 101 Switching Protocols")
        for key in ("not-a-key", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25j*Q=="):
            self.assertEqual(self.upgrade_status(key=key), "HTTP/1.1 400 Bad Request", key)

    async def test_oversized_request_headers_are_refused_with_431(self):
        status = self.upgrade_status(extra_headers="X-Padding: " + "p" * 9000 + "\r\n")
        self.assertEqual(status, "HTTP/1.1 431 Request Header Fields Too Large")

    async def test_wrong_path_is_refused_at_the_upgrade(self):
        with self.assertRaises(websockets.InvalidStatusCode) as refused:
            await websockets.connect(f"ws://127.0.0.1:{self.server.port}/nope")
        self.assertEqual(refused.exception.status_code, 404)

    async def test_unknown_subprotocol_is_refused_at_the_upgrade(self):
        with self.assertRaises(websockets.InvalidStatusCode) as refused:
            await websockets.connect(self.server.url, subprotocols=["mqtt"])
        self.assertEqual(refused.exception.status_code, 400)


if __name__ == "__main__":
    unittest.main()
