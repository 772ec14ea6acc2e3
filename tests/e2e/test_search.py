"""End-to-end: search in the real app, against the real server.

A new member signs up in the app; bob, at the CLI, writes in a channel
with them: a Korean greeting, then enough other messages that the greeting
is no longer on the conversation's first page, and a reply in a thread.
The member searches from the sidebar's box: `안녕` finds the greeting
inside `안녕하세요` with those two letters marked; choosing it opens the
conversation scrolled to it (older pages loaded). `from:` and `in:` narrow
the results; a reply found in a thread opens that thread. A bad filter is
told in words, in the panel, and nothing else changes.
"""
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import TIMEOUT, screenshot
from test_conversations import article, message_id
from test_screens import heading, sign_out_if_signed_in, sign_up_in_app
from test_threads import panel, panel_texts

pytestmark = pytest.mark.filterwarnings("ignore:setting remote_server_addr:DeprecationWarning")

# More than the conversation's first page (50), so the greeting is not loaded when it opens.
FILLER = 60


def search(driver, query: str) -> None:
    box = driver.find_element(By.CSS_SELECTOR, "input[aria-label='Search messages']")
    box.clear()
    box.send_keys(query)
    box.send_keys(Keys.ENTER)


def results(driver):
    found = driver.find_elements(By.CSS_SELECTOR, "aside.search-panel")
    return found[0] if found else None


def hits(driver) -> list[dict]:
    """Each result as shown: its channel, sender, text and marked parts."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('aside.search-panel .search-hit'), (h) => ({"
        " channel: h.querySelector('.search-hit-channel').textContent,"
        " sender: h.querySelector('.search-hit-sender').textContent,"
        " text: h.querySelector('.search-hit-text').textContent,"
        " marked: Array.from(h.querySelectorAll('mark'), (m) => m.textContent)}));"
    )


def status(driver) -> str:
    found = driver.find_elements(By.CSS_SELECTOR, "aside.search-panel [role='status']")
    return found[0].text if found else ""


def in_view(driver, element) -> bool:
    """Whether the element is inside the message list's visible part."""
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "const v = document.querySelector(\"[role='log']\").getBoundingClientRect();"
        "return r.top >= v.top - 1 && r.bottom <= v.bottom + 1;",
        element,
    )


def test_search_finds_marks_and_opens_messages_in_the_app(server, bob, app):
    driver = app
    wait = WebDriverWait(driver, TIMEOUT, poll_frequency=0.1)
    me = f"sena-{uuid.uuid4().hex[:6]}"
    talk = f"trip-{me[5:]}"
    other = f"ops-{me[5:]}"

    sign_up_in_app(driver, server, me)

    bob.run("create", talk, "--member", me)
    bob.run("create", other, "--member", me)
    bob.send(talk, "안녕하세요 여러분, the itinerary is ready")
    for i in range(FILLER):
        bob.send(talk, f"packing note {i}")
    bob.send(talk, "who books the ferry?")
    bob.send(other, "the ferry schedule changed")
    root = message_id(bob, talk, "bob: who books the ferry?")
    bob.run("thread", root, "I booked the ferry tickets")

    # Korean inside a longer run, the two letters marked.
    search(driver, "안녕")
    wait.until(lambda d: results(d), "no search results panel")
    wait.until(lambda d: len(hits(d)) == 1, "the greeting was not found")
    hit = hits(driver)[0]
    assert hit == {
        "channel": f"#{talk}",
        "sender": "bob",
        "text": "안녕하세요 여러분, the itinerary is ready",
        "marked": ["안녕"],
    }, hit
    assert status(driver) == "1 message found"
    screenshot(driver, "60-search-korean")

    # Choosing it opens the conversation at it, though it was not loaded.
    results(driver).find_element(By.CSS_SELECTOR, ".search-hit").click()
    greeting = wait.until(
        lambda d: article(d, "안녕하세요 여러분, the itinerary is ready"),
        "the conversation did not load back to the greeting",
    )
    wait.until(lambda d: in_view(d, greeting), "the greeting is not scrolled into view")
    assert talk in heading(driver), heading(driver)
    screenshot(driver, "61-search-opened")

    # Several words, newest first; from: and in: narrow them.
    search(driver, "ferry")
    wait.until(lambda d: len(hits(d)) == 3, "not every ferry message was found")
    assert [h["text"] for h in hits(driver)] == [
        "I booked the ferry tickets",
        "the ferry schedule changed",
        "who books the ferry?",
    ]
    assert all(h["marked"] == ["ferry"] for h in hits(driver))
    search(driver, f"ferry in:{other}")
    wait.until(lambda d: [h["text"] for h in hits(d)] == ["the ferry schedule changed"])
    search(driver, f"ferry from:bob in:#{talk} on:today")
    wait.until(lambda d: len(hits(d)) == 2, "from:, in: and on: did not keep the two")
    screenshot(driver, "62-search-filters")

    # A reply found in a thread opens its thread beside the conversation.
    search(driver, "booked tickets")
    wait.until(lambda d: len(hits(d)) == 1)
    results(driver).find_element(By.CSS_SELECTOR, ".search-hit").click()
    wait.until(lambda d: panel(d), "the reply's thread did not open")
    wait.until(
        lambda d: panel_texts(d) == ["who books the ferry?", "I booked the ferry tickets"],
        "the thread is not the reply's",
    )
    panel(driver).find_element(By.CSS_SELECTOR, "button[aria-label='Close thread']").click()
    wait.until(lambda d: results(d) and results(d).is_displayed(), "closing the thread lost the results")

    # A bad filter is told in words; nothing is searched.
    search(driver, "ferry on:someday")
    alert = wait.until(
        lambda d: next(iter(d.find_elements(By.CSS_SELECTOR, "aside.search-panel [role='alert']")), None),
        "no message for a bad filter",
    )
    assert '"on:" takes a day' in alert.text, alert.text
    assert hits(driver) == []
    screenshot(driver, "63-search-refused")
    results(driver).find_element(By.CSS_SELECTOR, "button[aria-label='Close search']").click()
    wait.until(lambda d: not results(d), "the results did not close")

    # Leave the app signed out, as the next story expects to find it.
    sign_out_if_signed_in(driver)
