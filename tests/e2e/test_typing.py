"""End-to-end: typing and presence, between the real app and a member on
the real server's GraphQL and stream. Bob says he types in a group and in a direct
message: the app shows "bob is typing…" above the composer, and
"typing…" beside the direct message in the sidebar; each goes when bob
stops, or by itself a few seconds after he last said so. The member types
in the app: bob's own stream hears it, and hears that they stopped when
they send. Bob's presence shows beside his direct message: offline, online
once his stream opens, away when he says so, offline again after his
stream closed.
"""
import json
import threading
import time
import urllib.request
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import PASSWORD, TIMEOUT, screenshot
from test_screens import open_channel, sign_out_if_signed_in, sign_up_in_app

pytestmark = pytest.mark.filterwarnings("ignore:setting remote_server_addr:DeprecationWarning")


def gql(server: str, token: str | None, query: str, variables: dict) -> dict:
    request = urllib.request.Request(
        f"{server}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        body = json.load(answer)
    assert "errors" not in body, body
    return body["data"]


class Stream:
    """A member's SSE stream, read on a thread: each event's data, kept."""

    def __init__(self, server: str, token: str):
        request = urllib.request.Request(
            f"{server}/v1/chats/subscriptions/channels", headers={"authorization": f"Bearer {token}"}
        )
        self.answer = urllib.request.urlopen(request, timeout=60)
        self.events: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.answer:
            line = line.decode().rstrip("\n")
            if line.startswith("data: "):
                self.events.append(json.loads(line[6:]))

    def typing(self) -> list[tuple[str, bool]]:
        return [
            (e["ssePayload"]["member"]["memberName"], e["ssePayload"]["typing"])
            for e in self.events
            if e["sseType"] == "CHAT_TYPING"
        ]

    def close(self):
        self.answer.close()


def typing_line(driver) -> str:
    return driver.execute_script("return document.querySelector('.conversation .typing-line')?.textContent ?? ''")


def test_typing_shows_live_both_ways_and_goes_by_itself(server, bob, app):
    driver = app
    wait = WebDriverWait(driver, TIMEOUT, poll_frequency=0.1)
    me = f"lina-{uuid.uuid4().hex[:6]}"
    team = f"team-{me[5:]}"
    sign_up_in_app(driver, server, me)
    bob.run("create", team, "--member", me)
    token = gql(
        server,
        None,
        "mutation($n:String!,$p:String!){signIn(memberName:$n,password:$p){token}}",
        {"n": "bob", "p": PASSWORD},
    )["signIn"]["token"]
    my_id = gql(server, token, "query($n:String!){member(memberName:$n){id}}", {"n": me})["member"]["id"]
    direct = gql(server, token, "mutation($m:ID!){openDirectChannel(memberId:$m){id}}", {"m": my_id})[
        "openDirectChannel"
    ]["id"]
    team_id = next(
        c["id"] for c in json.loads(bob.run("--json", "channels")) if c["name"] == team
    )
    open_channel(driver, team)

    def bob_types(channel: str, typing: bool = True):
        answer = gql(server, token, "mutation($c:ID!,$t:Boolean){setTyping(channelId:$c,typing:$t)}",
                     {"c": channel, "t": typing})
        assert answer["setTyping"] is True

    # Bob types in the open group: shown above the composer.
    bob_types(team_id)
    wait.until(lambda d: typing_line(d) == "bob is typing…", f"no typing shown: {typing_line(driver)!r}")
    # And in the direct message: beside it in the sidebar.
    bob_types(direct)
    wait.until(
        lambda d: "typing…" in d.execute_script(
            f"return document.querySelector('[data-channel-id=\"{direct}\"]')?.textContent ?? ''"
        ),
        "no typing beside the direct message",
    )
    screenshot(driver, "69-typing")
    # He stops in the group: gone at once. The direct message's goes by
    # itself, some 6 s after he last said so.
    bob_types(team_id, False)
    wait.until(lambda d: typing_line(d) == "", "the typing stayed after bob stopped")
    started = time.monotonic()
    wait.until(
        lambda d: "typing…" not in d.execute_script(
            f"return document.querySelector('[data-channel-id=\"{direct}\"]')?.textContent ?? ''"
        ),
        "the direct message's typing never went",
    )
    assert time.monotonic() - started < 8

    # The member types in the app: bob's stream hears it, then that they stopped.
    stream = Stream(server, token)
    try:
        time.sleep(0.5)
        box = driver.find_element(By.CSS_SELECTOR, ".composer textarea")
        box.send_keys("see you at")
        WebDriverWait(None, TIMEOUT, poll_frequency=0.1).until(
            lambda _: (me, True) in stream.typing(), f"bob heard no typing: {stream.events}"
        )
        box.send_keys(" eight", Keys.ENTER)
        WebDriverWait(None, TIMEOUT, poll_frequency=0.1).until(
            lambda _: stream.typing()[-1:] == [(me, False)], f"bob heard no stop: {stream.typing()}"
        )
        # Told at the start (and again only every 3 s), not at every key.
        assert 1 <= stream.typing().count((me, True)) <= 2, stream.typing()
    finally:
        stream.close()
    sign_out_if_signed_in(driver)


def test_presence_shows_beside_a_direct_message_and_follows_the_member(server, bob, app):
    driver = app
    wait = WebDriverWait(driver, TIMEOUT, poll_frequency=0.2)
    me = f"omar-{uuid.uuid4().hex[:6]}"
    sign_up_in_app(driver, server, me)
    token = gql(
        server,
        None,
        "mutation($n:String!,$p:String!){signIn(memberName:$n,password:$p){token}}",
        {"n": "bob", "p": PASSWORD},
    )["signIn"]["token"]
    my_id = gql(server, token, "query($n:String!){member(memberName:$n){id}}", {"n": me})["member"]["id"]
    direct = gql(server, token, "mutation($m:ID!){openDirectChannel(memberId:$m){id}}", {"m": my_id})[
        "openDirectChannel"
    ]["id"]

    def dot(d) -> str:
        return d.execute_script(
            f"return document.querySelector('[data-channel-id=\"{direct}\"] .presence-dot')"
            "?.getAttribute('title') ?? ''"
        )

    # Bob has no stream open: offline. He opens one: online, live.
    wait.until(lambda d: dot(d) == "Offline", f"bob does not show as offline: {dot(driver)!r}")
    stream = Stream(server, token)
    try:
        wait.until(lambda d: dot(d) == "Online", f"bob does not show as online: {dot(driver)!r}")
        gql(server, token, "mutation{setAway(away:true)}", {})
        wait.until(lambda d: dot(d) == "Away", f"bob does not show as away: {dot(driver)!r}")
        screenshot(driver, "70-presence-away")
        gql(server, token, "mutation{setAway(away:false)}", {})
        wait.until(lambda d: dot(d) == "Online", "bob did not come back")
    finally:
        stream.close()
    # His stream gone: offline, once the server's grace (10 s) is over.
    WebDriverWait(driver, 30, poll_frequency=0.5).until(
        lambda d: dot(d) == "Offline", f"bob still shows: {dot(driver)!r}"
    )
    sign_out_if_signed_in(driver)
