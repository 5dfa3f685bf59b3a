"""Files shared in chat as their users notice it: a client asks for an
upload URL, PUTs the file with curl straight to a real S3-compatible store
(s3rver), sends a message naming it, and everyone in the room sees the
attachment, in history too (after a restart as well), and fetches the
bytes through a download URL. Outsiders get neither URL; URLs run out;
what config does not allow is refused before anything is signed.
Runs on SQLite, and on MariaDB with NATTER_TEST_STORAGE=mariadb."""

import os
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from natter_harness import Client, Natterd, ServerTest
from s3_server import ACCESS_KEY, SECRET_KEY, S3rver

UPLOAD_EXPIRES_S = 3


def curl(method, url, *, data=None, headers=None):
    """(HTTP status, body bytes) of one request made by curl."""
    args = ["curl", "-sS", "-X", method, "-o", "-", "-w", "\n%{http_code}", url]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    if data is not None:
        args += ["--data-binary", "@-"]
    out = subprocess.run(args, input=data, capture_output=True, check=True, timeout=30).stdout
    body, _, status = out.rpartition(b"\n")
    return int(status), body


class AttachmentsTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.store = S3rver().start()
        cls.secrets = tempfile.TemporaryDirectory(prefix="natter-s3-secret-")
        secret = os.path.join(cls.secrets.name, "secret")
        with open(secret, "w") as f:
            f.write(SECRET_KEY + "\n")
        cls.extra = f"""
[attachments]
plugin = "s3"
bucket = "{cls.store.bucket}"
endpoint = "{cls.store.endpoint}"
path_style = true
access_key_id = "{ACCESS_KEY}"
secret_access_key_file = "{secret}"
max_size_bytes = 100000
allowed_types = ["image/*", "text/plain"]
upload_expires_s = {UPLOAD_EXPIRES_S}
"""
        try:
            super().setUpClass()
        except Exception:
            cls.store.close()
            raise

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.store.close()
        cls.secrets.cleanup()

    async def upload(self, client, room, name, type_, data, ref="u"):
        """The file put in the store through an upload URL; its attachment."""
        await client.send(op="upload", room=room, name=name, type=type_, size=len(data), ref=ref)
        answer = await client.until("upload", ref=ref)
        file = answer["attachment"]
        self.assertEqual((answer["room"], file["name"], file["type"], file["size"], answer["method"]),
                         (room, name, type_, len(data), "PUT"))
        self.assertGreater(answer["expires_at"], time.time() * 1000)
        status, body = curl("PUT", answer["url"], data=data, headers=answer["headers"])
        self.assertEqual(status, 200, body)
        return file

    async def fetch(self, client, room, key, ref="d"):
        await client.send(op="download", room=room, key=key, ref=ref)
        answer = await client.until("download", ref=ref)
        self.assertEqual((answer["room"], answer["key"], answer["method"]), (room, key, "GET"))
        return curl("GET", answer["url"])

    async def test_a_shared_file_reaches_the_room_and_history_keeps_it(self):
        ann, bob = await self.connect("att_ann"), await self.connect("att_bob")
        await ann.join("att")
        await bob.join("att")
        picture = os.urandom(20000)
        file = await self.upload(ann, "att", "holiday photo.png", "image/png", picture)
        await ann.send(op="send", room="att", body="look!", attachments=[file], ref="s")
        await ann.until("ack", ref="s")
        seen = await bob.until("message", room="att")
        self.assertEqual((seen["body"], seen["attachments"]), ("look!", [file]))
        status, body = await self.fetch(bob, "att", file["key"])
        self.assertEqual((status, body), (200, picture))
        await bob.send(op="history", room="att", ref="h")
        page = await bob.until("history", ref="h")
        self.assertEqual(page["messages"][-1]["attachments"], [file])
        # From storage, not memory, after a restart.
        self.server.stop()
        self.server.start()
        carl = await self.connect("att_carl")
        await carl.join("att")
        await carl.send(op="history", room="att", ref="h")
        page = await carl.until("history", ref="h")
        self.assertEqual([(m["body"], m.get("attachments")) for m in page["messages"]], [("look!", [file])])

    async def test_a_direct_message_carries_files_too(self):
        ann, bob = await self.connect("dm_att_ann"), await self.connect("dm_att_bob")
        data = b"meeting notes\n"
        await ann.send(op="upload", to="dm_att_bob", name="notes.txt", type="text/plain", size=len(data), ref="u")
        answer = await ann.until("upload", ref="u")
        self.assertEqual(curl("PUT", answer["url"], data=data, headers=answer["headers"])[0], 200)
        file = answer["attachment"]
        self.assertEqual(file, {"key": file["key"], "name": "notes.txt", "type": "text/plain", "size": len(data)})
        await ann.send(op="send", to="dm_att_bob", body="notes", attachments=[file], ref="s")
        seen = await bob.until("message")
        self.assertEqual(seen["attachments"], [file])
        await bob.send(op="download", to="dm_att_ann", key=file["key"], ref="d")
        fetched = await bob.until("download", ref="d")
        self.assertEqual(curl("GET", fetched["url"]), (200, data))

    async def test_outsiders_get_no_urls_and_keys_stay_in_their_room(self):
        ann, eve = await self.connect("out_ann"), await self.connect("out_eve")
        await ann.join("private-ish")
        await eve.join("elsewhere")
        file = await self.upload(ann, "private-ish", "a.png", "image/png", b"\x89PNG....")
        await eve.send(op="download", room="private-ish", key=file["key"], ref="d1")
        await eve.until("error", ref="d1", code="not_member")
        await eve.send(op="upload", room="private-ish", name="x.png", type="image/png", size=5, ref="u1")
        await eve.until("error", ref="u1", code="not_member")
        # A key issued for another room is not the room's to hand out.
        await eve.send(op="download", room="elsewhere", key=file["key"], ref="d2")
        await eve.until("error", ref="d2", code="not_found")
        await eve.send(op="send", room="elsewhere", body="stolen", attachments=[file], ref="s")
        refused = await eve.until("error", ref="s", code="bad_request")
        self.assertIn("was not uploaded for room 'elsewhere'", refused["message"])

    async def test_what_config_does_not_allow_is_refused_before_signing(self):
        ann = await self.connect("cfg_ann")
        await ann.join("cfg")
        await ann.send(op="upload", room="cfg", name="big.png", type="image/png", size=100001, ref="big")
        refused = await ann.until("error", ref="big", code="bad_request")
        self.assertIn("up to 100000 bytes", refused["message"])
        await ann.send(op="upload", room="cfg", name="tool.exe", type="application/x-msdownload", size=10, ref="exe")
        refused = await ann.until("error", ref="exe", code="bad_request")
        self.assertIn("application/x-msdownload", refused["message"])
        await ann.send(op="upload", room="cfg", name="x.png", type="image/png", ref="nosize")
        refused = await ann.until("error", ref="nosize", code="bad_request")
        self.assertIn("'size'", refused["message"])
        await ann.send(op="send", room="cfg", body="x", attachments=[{"key": "k"}], ref="s")
        await ann.until("error", ref="s", code="bad_request")

    async def test_expired_and_altered_urls_are_refused(self):
        ann = await self.connect("exp_ann")
        await ann.join("exp")
        data = b"too late"
        await ann.send(op="upload", room="exp", name="late.txt", type="text/plain", size=len(data), ref="u")
        answer = await ann.until("upload", ref="u")
        # Its date moved back a day: expired, as far as the store can tell.
        parts = urllib.parse.urlsplit(answer["url"])
        query = dict(urllib.parse.parse_qsl(parts.query))
        query["X-Amz-Date"] = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 86400))
        altered = parts._replace(query=urllib.parse.urlencode(query)).geturl()
        status, body = curl("PUT", altered, data=data, headers=answer["headers"])
        self.assertEqual(status, 403, body)
        # And the URL as given, once its lifetime is over.
        time.sleep(UPLOAD_EXPIRES_S + 1.5)
        status, body = curl("PUT", answer["url"], data=data, headers=answer["headers"])
        self.assertEqual(status, 403, body)
        self.assertIn(b"expired", body)

    async def test_a_deleted_message_takes_its_files_out_of_history(self):
        ann = await self.connect("gone_ann")
        await ann.join("gone")
        file = await self.upload(ann, "gone", "oops.png", "image/png", b"not for everyone")
        await ann.send(op="send", room="gone", body="oops", attachments=[file], ref="s")
        sent = await ann.until("ack", ref="s")
        await ann.send(op="delete", room="gone", id=sent["id"], ref="del")
        await ann.until("deleted", ref="del")
        await ann.send(op="history", room="gone", ref="h")
        page = await ann.until("history", ref="h")
        self.assertNotIn("attachments", page["messages"][-1])


class WithoutAttachmentsPluginTest(ServerTest):
    async def test_files_are_refused_with_a_reason(self):
        ann = await self.connect("none_ann")
        await ann.join("none")
        await ann.send(op="upload", room="none", name="a.png", type="image/png", size=5, ref="u")
        refused = await ann.until("error", ref="u", code="unavailable")
        self.assertIn("no [attachments] plugin", refused["message"])


if __name__ == "__main__":
    unittest.main()
