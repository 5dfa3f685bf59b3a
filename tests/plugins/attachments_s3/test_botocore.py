"""attachments_s3 signs what Debian's python3-botocore signs: for the same
bucket, key, time, credentials, type and size, the presigned PUT and GET
URLs are the same, in path and virtual-host style, with and without a
session token, in AWS and on a custom endpoint."""
import datetime
import os
import subprocess
import tempfile
import types
import unittest
import urllib.parse
from unittest import mock

import botocore.auth
import botocore.session
from botocore.config import Config

PRESIGN = os.environ["S3_PRESIGN"]
ACCESS_KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AT = datetime.datetime(2026, 12, 6, 18, 30, 5)


class FixedClock(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return AT


def botocore_urls(key, type_, size, *, region, endpoint, style, token, put_expires, get_expires):
    session = botocore.session.get_session()
    client = session.create_client("s3", region_name=region, aws_access_key_id=ACCESS_KEY,
                                   aws_secret_access_key=SECRET, aws_session_token=token or None,
                                   endpoint_url=endpoint,
                                   config=Config(signature_version="s3v4", s3={"addressing_style": style}))
    clock = types.SimpleNamespace(datetime=FixedClock, timedelta=datetime.timedelta, timezone=datetime.timezone)
    with mock.patch.object(botocore.auth, "datetime", clock):
        put = client.generate_presigned_url("put_object", ExpiresIn=put_expires, Params={
            "Bucket": "chat-files", "Key": key, "ContentType": type_, "ContentLength": size})
        get = client.generate_presigned_url("get_object", ExpiresIn=get_expires,
                                            Params={"Bucket": "chat-files", "Key": key})
    return put, get


class BotocoreAgreesTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="natter-s3-")
        self.secret = os.path.join(self.dir.name, "secret")
        with open(self.secret, "w") as f:
            f.write(SECRET + "\n")

    def tearDown(self):
        self.dir.cleanup()

    def natter_urls(self, room, name, type_, size, **config):
        config = {"bucket": "chat-files", "access_key_id": ACCESS_KEY, "secret_access_key_file": self.secret,
                  **config}
        at = int(AT.replace(tzinfo=datetime.timezone.utc).timestamp())
        out = subprocess.run([PRESIGN, str(at), room, name, type_, str(size),
                              *(f"{k}={v}" for k, v in config.items())],
                             capture_output=True, text=True, check=True).stdout.splitlines()
        _, put, key = out[0].split(" ", 2)
        _, get, _ = out[1].split(" ", 2)
        return key, put, get

    def assert_same(self, ours, theirs):
        a, b = urllib.parse.urlsplit(ours), urllib.parse.urlsplit(theirs)
        self.assertEqual((a.scheme, a.netloc, a.path), (b.scheme, b.netloc, b.path))
        self.assertEqual(dict(urllib.parse.parse_qsl(a.query)), dict(urllib.parse.parse_qsl(b.query)))

    def check(self, *, region="us-east-1", endpoint=None, style="virtual", token="", name="cat.png",
              type_="image/png", size=48213, prefix="natter/"):
        config = {"region": region, "path_style": "true" if style == "path" else "false",
                  "upload_expires_s": 300, "download_expires_s": 3600, "key_prefix": prefix}
        if endpoint:
            config["endpoint"] = endpoint
        if token:
            config["session_token"] = token
        key, put, get = self.natter_urls("lobby", name, type_, size, **config)
        boto_put, boto_get = botocore_urls(key, type_, size, region=region,
                                           endpoint=endpoint or f"https://s3.{region}.amazonaws.com",
                                           style=style, token=token, put_expires=300, get_expires=3600)
        self.assert_same(put, boto_put)
        self.assert_same(get, boto_get)
        # The signatures themselves, not only the parameters around them.
        self.assertIn("X-Amz-Signature=", put)
        return key, put

    def test_aws_virtual_host_style(self):
        self.check(region="eu-central-1")

    def test_aws_path_style(self):
        self.check(region="us-west-2", style="path")

    def test_custom_endpoint_path_style(self):
        self.check(endpoint="http://127.0.0.1:9000", style="path")

    def test_custom_endpoint_virtual_host_style(self):
        self.check(endpoint="https://objects.example.net", style="virtual")

    def test_temporary_credentials(self):
        self.check(token="FQoGZXIvYXdzEJr//////////wEaDOx+token/with=odd+chars")

    def test_names_and_types_that_need_encoding(self):
        # A prefix that needs percent-encoding in the path; a name cut down
        # to what keys may hold.
        key, put = self.check(name="résumé (final) v2.pdf", type_="application/pdf", size=1,
                              prefix="team files+ü/")
        self.assertTrue(key.startswith("team files+ü/"), key)
        self.assertTrue(key.endswith("/r__sum____final__v2.pdf"), key)
        self.assertIn("/team%20files%2B%C3%BC/", put)


if __name__ == "__main__":
    unittest.main()
