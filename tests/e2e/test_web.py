"""The chat page natterd serves, used in a real browser (Debian's chromium,
headless, through chromium-driver): two people chat in a room and in a
direct message, typing shows and clears, a protected room refuses a wrong
password, a dropped network is reconnected with nothing missed, unread
counts move. Screenshots of each go to build/test-artifacts/web."""

import os
import sys
import tempfile
import time
import unittest

from natter_harness import Client, Natterd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from chromium_browser import Browser  # noqa: E402
from cuttable_link import CuttableLink  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402


class ChatPage:
    """One person at the chat page, in their own browser window."""

    def __init__(self, browser, url):
        self.browser = browser
        self.d = browser.driver
        self.d.get(url)

    def el(self, element_id):
        return self.d.find_element(By.ID, element_id)

    def wait(self, condition, what, timeout=20.0):  # generous: CI machines run other tests alongside
        return self.browser.wait(lambda d: condition(), timeout=timeout, what=what)

    def sign_in(self, name):
        self.el("signin-name").send_keys(name)
        self.el("signin-name").send_keys(Keys.ENTER)
        self.wait(lambda: self.el("whoami").text == f"Signed in as {name}", f"{name} to be signed in")

    def open_forms(self):
        self.d.execute_script("document.querySelectorAll('#sidebar details').forEach((d) => d.open = true)")

    def join(self, room, password=""):
        self.open_forms()
        self.el("join-name").send_keys(room)
        if password:
            self.el("join-password").send_keys(password)
        self.d.find_element(By.CSS_SELECTOR, "#join-form button").click()

    def create(self, room, kind, password=""):
        self.open_forms()
        self.el("create-name").send_keys(room)
        self.d.execute_script(f"document.getElementById('create-kind').value = '{kind}'")
        if password:
            self.el("create-password").send_keys(password)
        self.d.find_element(By.CSS_SELECTOR, "#create-form button").click()
        self.wait(lambda: self.el("room-title").text == room, f"room {room} to open")

    def current_room(self):
        return self.el("room-title").text

    def say(self, text):
        self.el("composer-text").send_keys(text + Keys.ENTER)

    def bodies(self):
        return [e.text for e in self.d.find_elements(By.CSS_SELECTOR, "#messages .body")]

    def wait_for_body(self, text):
        self.wait(lambda: text in self.bodies(), f"message {text!r}")

    def room_button(self, label):
        for button in self.d.find_elements(By.CSS_SELECTOR, ".room-button"):
            if button.find_element(By.CSS_SELECTOR, ".room-name").text == label:
                return button
        return None

    def unread(self, label):
        button = self.room_button(label)
        if button is None:
            return None
        badges = button.find_elements(By.CSS_SELECTOR, ".unread")
        return int(badges[0].text) if badges else 0

    def pick(self, label):
        self.wait(lambda: self.room_button(label), f"room {label} in the list").click()
        self.wait(lambda: self.current_room() == label, f"room {label} to open")


class WebPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Natterd(broker="offline_after_ms = 500\ntyping_batch_ms = 50").start()
        cls.url = f"http://127.0.0.1:{cls.server.port}/"

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def setUp(self):
        self.browsers = []
        self.network_drops = False  # a test that cuts the network expects the browser to log failed connections

    def tearDown(self):
        for browser, name in self.browsers:
            browser.screenshot(f"{self.id().split('.')[-1]}-{name}")
            errors = [e for e in browser.console_errors()
                      if not (self.network_drops and "WebSocket connection to" in e["message"])]
            browser.close()
            self.assertEqual(errors, [], f"{name}'s browser console")

    def page(self, name, url=None, width=1200, height=800):
        browser = Browser(width, height)
        self.browsers.append((browser, name))
        page = ChatPage(browser, url or self.url)
        page.sign_in(name)
        return page

    def test_two_people_chat_in_a_room(self):
        ann, bob = self.page("w_ann"), self.page("w_bob")
        ann.join("w-lobby")
        bob.join("w-lobby")
        bob.wait(lambda: bob.current_room() == "w-lobby", "bob in w-lobby")
        ann.say("hello bob")
        bob.wait_for_body("hello bob")
        bob.say("hi ann")
        ann.wait_for_body("hi ann")
        self.assertEqual(ann.bodies(), ["hello bob", "hi ann"])

    def test_a_direct_message_reaches_the_other_person(self):
        ann, bob = self.page("w_dm_ann"), self.page("w_dm_bob")
        ann.open_forms()
        ann.el("dm-user").send_keys("w_dm_bob" + Keys.ENTER)
        ann.wait(lambda: ann.current_room() == "w_dm_bob", "the direct room to open")
        ann.say("just between us")
        ann.wait_for_body("just between us")
        bob.wait(lambda: bob.unread("w_dm_ann") == 1, "the direct message to show as unread")
        bob.pick("w_dm_ann")
        bob.wait_for_body("just between us")
        bob.wait(lambda: bob.unread("w_dm_ann") == 0, "the unread count to clear")

    def test_typing_shows_and_clears(self):
        ann, bob = self.page("w_t_ann"), self.page("w_t_bob")
        ann.join("w-typing")
        bob.join("w-typing")
        bob.wait(lambda: bob.current_room() == "w-typing", "bob in w-typing")
        ann.el("composer-text").send_keys("I am writ")
        bob.wait(lambda: bob.el("typing").text == "w_t_ann is typing…", "ann's typing to show")
        ann.el("composer-text").send_keys(Keys.CONTROL, "a")
        ann.el("composer-text").send_keys(Keys.BACKSPACE)
        bob.wait(lambda: bob.el("typing").text == "", "ann's typing to clear")

    def test_a_protected_room_refuses_a_wrong_password(self):
        ann, bob = self.page("w_p_ann"), self.page("w_p_bob")
        ann.create("w-vault", "protected", password="open sesame")
        bob.join("w-vault", password="guess")
        bob.wait(lambda: bob.el("sidebar-error").text == "That password is not right.", "the refusal")
        self.assertNotEqual(bob.current_room(), "w-vault")
        time.sleep(1.1)  # the pause natter makes after a wrong password (password_retry_ms)
        bob.join("w-vault", password="open sesame")
        bob.wait(lambda: bob.current_room() == "w-vault", "bob in w-vault")

    def test_a_dropped_connection_reconnects_and_shows_what_was_sent_meanwhile(self):
        link = CuttableLink(self.server.port)
        self.network_drops = True
        try:
            ann = self.page("w_r_ann")
            bob = self.page("w_r_bob", url=f"http://127.0.0.1:{link.port}/")
            ann.join("w-flaky")
            bob.join("w-flaky")
            bob.wait(lambda: bob.current_room() == "w-flaky", "bob in w-flaky")
            ann.say("before the drop")
            bob.wait_for_body("before the drop")
            link.cut()
            bob.wait(lambda: "reconnecting" in bob.el("status").text, "the page to say it is reconnecting")
            bob.browser.screenshot("reconnecting-w_r_bob")
            for i in range(3):
                ann.say(f"while you were away {i}")
            ann.wait_for_body("while you were away 2")
            link.restore()
            for i in range(3):
                bob.wait_for_body(f"while you were away {i}")
            bob.wait(lambda: bob.el("status").text == "", "the reconnecting notice to go", timeout=40)
            self.assertEqual(bob.bodies(), ["before the drop"] + [f"while you were away {i}" for i in range(3)])
        finally:
            link.close()

    def test_unread_counts_move(self):
        ann, bob = self.page("w_u_ann"), self.page("w_u_bob")
        for room in ("w-news", "w-chat"):
            ann.join(room)
            ann.wait(lambda: ann.current_room() == room, f"ann in {room}")
            bob.join(room)
            bob.wait(lambda: bob.current_room() == room, f"bob in {room}")
        ann.pick("w-news")
        ann.say("news one")
        bob.wait(lambda: bob.unread("w-news") == 1, "one unread in w-news")
        ann.say("news two")
        bob.wait(lambda: bob.unread("w-news") == 2, "two unread in w-news")
        self.assertEqual(bob.unread("w-chat"), 0)
        bob.pick("w-news")
        bob.wait(lambda: bob.unread("w-news") == 0, "the count to clear once read")

    def test_the_page_works_on_a_phone_sized_screen(self):
        ann = self.page("w_m_ann")
        ann.join("w-pocket")
        ann.wait(lambda: ann.current_room() == "w-pocket", "ann in w-pocket")
        ann.say("from my desk")
        phone = self.page("w_m_bob", width=390, height=844)
        toggle = phone.el("menu-toggle")
        self.assertTrue(toggle.is_displayed(), "a phone gets a button for the room list")
        toggle.click()
        phone.wait(lambda: phone.room_button("w-pocket") is not None, "the public room to be listed")
        phone.room_button("w-pocket").click()  # not a member yet: picking it joins it
        phone.wait(lambda: phone.current_room() == "w-pocket", "bob in w-pocket")
        phone.wait_for_body("from my desk")
        self.assertTrue(phone.el("composer-text").is_displayed())
        phone.say("from my phone")
        ann.wait_for_body("from my phone")


class TokenSignInTest(unittest.TestCase):
    """With the jwt auth plugin, the page signs in with a token, and says
    why a bad one is refused."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="natter-web-jwt-")
        cls.secret = os.urandom(32)
        with open(os.path.join(cls.dir.name, "secret"), "wb") as f:
            f.write(cls.secret)
        cls.server = Natterd()
        with open(cls.server.config_path, "a") as f:
            f.write(f'\n[auth]\nplugin = "jwt"\nkeys = ["hs HS256 {cls.dir.name}/secret"]\n')
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.dir.cleanup()

    def test_a_token_signs_in_and_a_forged_one_is_refused_with_the_reason(self):
        import jwt
        now = int(time.time())
        good = jwt.encode({"sub": "w_jill", "iat": now, "exp": now + 600}, self.secret, algorithm="HS256",
                          headers={"kid": "hs"})
        forged = jwt.encode({"sub": "w_jack", "iat": now, "exp": now + 600}, b"not the secret", algorithm="HS256",
                            headers={"kid": "hs"})
        browser = Browser()
        try:
            page = ChatPage(browser, f"http://127.0.0.1:{self.server.port}/")
            page.el("signin-token").send_keys(forged + Keys.ENTER)
            page.wait(lambda: page.el("signin-error").text.startswith("Signing in was refused: token refused"),
                      "the refusal and its reason")
            browser.screenshot("token-refused")
            page.el("signin-token").clear()
            page.el("signin-token").send_keys(good + Keys.ENTER)
            page.wait(lambda: page.el("whoami").text == "Signed in as w_jill", "jill to be signed in")
            page.join("w-tokens")
            page.wait(lambda: page.current_room() == "w-tokens", "jill in w-tokens")
        finally:
            browser.close()


class OriginTest(unittest.IsolatedAsyncioTestCase):
    """Cross-site WebSocket hijacking: a page of another site may not open
    a WebSocket to natter; natterd's own page may."""

    @classmethod
    def setUpClass(cls):
        cls.server = Natterd().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    async def test_a_foreign_origin_is_refused_with_403_and_the_pages_own_is_accepted(self):
        import websockets
        own = f"http://127.0.0.1:{self.server.port}"
        with self.assertRaises(websockets.exceptions.InvalidStatusCode) as refused:
            await websockets.connect(self.server.url + "?user=o_mallory", subprotocols=["natter.v1"],
                                     origin="https://evil.example")
        self.assertEqual(refused.exception.status_code, 403)
        ws = await websockets.connect(self.server.url + "?user=o_ann", subprotocols=["natter.v1"], origin=own)
        await ws.close()
        # Clients that are not browsers send no Origin.
        client = await Client.connect(self.server, "o_bob")
        await client.close()

    def test_the_page_is_served_with_its_security_headers(self):
        import urllib.error
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{self.server.port}/") as answer:
            self.assertEqual(answer.status, 200)
            self.assertIn("text/html", answer.headers["Content-Type"])
            self.assertIn("script-src 'self'", answer.headers["Content-Security-Policy"])
            self.assertEqual(answer.headers["X-Frame-Options"], "DENY")
            etag = answer.headers["ETag"]
            self.assertIn(b'<script type="module" src="/app.js">', answer.read())
        request = urllib.request.Request(f"http://127.0.0.1:{self.server.port}/", headers={"If-None-Match": etag})
        with self.assertRaises(urllib.error.HTTPError) as unchanged:
            urllib.request.urlopen(request)
        self.assertEqual(unchanged.exception.code, 304)
        with urllib.request.urlopen(f"http://127.0.0.1:{self.server.port}/natter-client.js") as script:
            self.assertIn("text/javascript", script.headers["Content-Type"])
            self.assertIn(b"export class NatterClient", script.read())


class ConfiguredOriginsTest(unittest.IsolatedAsyncioTestCase):
    async def test_listed_origins_pass_and_web_false_serves_no_page(self):
        import urllib.error
        import urllib.request

        import websockets
        server = Natterd(extra='allowed_origins = ["https://chat.example.org"]\nweb = false').start()
        try:
            ws = await websockets.connect(server.url + "?user=c_ann", subprotocols=["natter.v1"],
                                          origin="https://chat.example.org")
            await ws.close()
            with self.assertRaises(websockets.exceptions.InvalidStatusCode) as refused:
                await websockets.connect(server.url + "?user=c_bob", subprotocols=["natter.v1"],
                                         origin="https://other.example.org")
            self.assertEqual(refused.exception.status_code, 403)
            with self.assertRaises(urllib.error.HTTPError) as missing:
                urllib.request.urlopen(f"http://127.0.0.1:{server.port}/")
            self.assertEqual(missing.exception.code, 404)
        finally:
            server.close()
        anyone = Natterd(extra='allowed_origins = ["*"]').start()
        try:
            ws = await websockets.connect(anyone.url + "?user=c_cy", subprotocols=["natter.v1"],
                                          origin="https://anywhere.example")
            await ws.close()
        finally:
            anyone.close()


if __name__ == "__main__":
    unittest.main()
