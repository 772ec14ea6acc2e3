"""End-to-end: threads in the real app.

A new member signs up in the app and posts a question; bob, at the CLI,
answers in its thread. The member follows the thread (they sent its root),
so the reply counts in the sidebar and the tray and notifies on the
recording notification server, while the channel shows it only as "1
reply" under the root. Opening the thread reads it: the counts clear in
the app, in the tray and at the member's own CLI (the server's count).
A reply from the thread's panel reaches bob's CLI in the thread; a reply
while the thread is open neither counts nor notifies.
"""
import uuid

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import (
    TIMEOUT,
    Cli,
    Notifications,
    badge_text,
    screenshot,
    tray,
    wait_until,
)
from test_conversations import article, message_id, notified
from test_screens import open_channel, sign_out_if_signed_in, sign_up_in_app

pytestmark = pytest.mark.filterwarnings("ignore:setting remote_server_addr:DeprecationWarning")


def thread_lines(cli: Cli, root: str) -> list[str]:
    """`suda thread ROOT` as it prints: the root, then its replies."""
    return cli.run("thread", root).splitlines()


def panel(driver):
    found = driver.find_elements(By.CSS_SELECTOR, "aside.thread-panel")
    return found[0] if found else None


def panel_texts(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('aside.thread-panel article.message .text'),"
        " (e) => e.textContent);"
    )


def test_a_thread_counts_for_its_follower_until_read_and_takes_replies(server, bob, app):
    driver = app
    wait = WebDriverWait(driver, TIMEOUT, poll_frequency=0.1)
    me = f"tess-{uuid.uuid4().hex[:6]}"
    talk = f"plans-{me[5:]}"

    sign_up_in_app(driver, server, me)
    mine = Cli(server, me)
    bob.run("create", talk, "--member", me)
    open_channel(driver, talk)

    # The member asks; bob answers in the question's thread.
    box = driver.find_element(By.CSS_SELECTOR, f"textarea[aria-label='Message {talk}']")
    box.send_keys("who takes the release?")
    box.send_keys(Keys.ENTER)
    wait.until(lambda d: article(d, "who takes the release?"), "the question did not appear")
    root = message_id(bob, talk, f"{me}: who takes the release?")
    start = len(Notifications.all())
    bob.run("thread", root, "I can, on Friday")

    # The channel shows it only under the root; it is the member's to read.
    summary = wait.until(
        lambda d: next(
            iter(article(d, "who takes the release?").find_elements(By.CSS_SELECTOR, ".thread-summary")),
            None,
        ),
        "no thread summary under the root",
    )
    wait.until(lambda d: "1 reply" in summary.text and "1 new" in summary.text, summary.text)
    assert not article(driver, "I can, on Friday"), "the reply is an item of the channel"
    note = wait_until(notified("I can, on Friday", start), message="the reply did not notify")
    assert "bob" in note["summary"], note
    wait.until(lambda d: badge_text(d, talk) == "1", "the sidebar does not count the reply")
    wait_until(
        lambda: (t := tray()) and f"#{talk} (1)" in t["menu"],
        message="the tray does not count the reply",
    )
    assert "1 unread" in next(l for l in mine.run("channels").splitlines() if talk in l)
    screenshot(driver, "50-thread-summary")

    # Opening the thread reads it everywhere.
    summary.click()
    wait.until(lambda d: panel(d), "no thread panel")
    wait.until(lambda d: panel_texts(d) == ["who takes the release?", "I can, on Friday"])
    wait.until(lambda d: badge_text(d, talk) is None, "reading the thread left the sidebar badge")
    wait_until(
        lambda: (t := tray()) and f"#{talk}" not in t["menu"],
        message="reading the thread left the tray counting it",
    )
    wait_until(
        lambda: "unread" not in next(l for l in mine.run("channels").splitlines() if talk in l),
        message="the member's CLI still counts the thread",
    )
    wait.until(
        lambda d: "new" not in article(d, "who takes the release?").find_element(
            By.CSS_SELECTOR, ".thread-summary"
        ).text
    )

    # A reply from the panel goes into the thread, at bob's CLI too.
    reply_box = panel(driver).find_element(
        By.CSS_SELECTOR, "textarea[aria-label='Reply in the thread']"
    )
    reply_box.send_keys("thanks, Friday it is")
    reply_box.send_keys(Keys.ENTER)
    wait.until(lambda d: "thanks, Friday it is" in panel_texts(d), "the reply is not in the panel")
    wait_until(
        lambda: any(l.endswith(f"{me}: thanks, Friday it is") for l in thread_lines(bob, root)),
        message="bob's CLI does not show the reply in the thread",
    )
    assert not article(driver, "thanks, Friday it is"), "the reply is an item of the channel"
    # While the thread is open and seen, bob's next reply is read as it comes.
    start = len(Notifications.all())
    bob.run("thread", root, "great")
    wait.until(lambda d: "great" in panel_texts(d), "bob's reply did not reach the open thread")
    screenshot(driver, "51-thread-open")
    wait_until(
        lambda: "unread" not in next(l for l in mine.run("channels").splitlines() if talk in l),
        message="a reply read in the open thread still counts",
    )
    assert not notified("great", start)(), "a reply in the open thread notified"
    assert badge_text(driver, talk) is None

    # Closing it: the conversation is as it was, with "3 replies".
    ActionChains(driver).move_to_element(panel(driver)).perform()
    panel(driver).find_element(By.CSS_SELECTOR, "button[aria-label='Close thread']").click()
    wait.until(lambda d: not panel(d), "the panel did not close")
    wait.until(
        lambda d: "3 replies"
        in article(d, "who takes the release?").find_element(By.CSS_SELECTOR, ".thread-summary").text
    )

    # Leave the app signed out, as the next story expects to find it.
    sign_out_if_signed_in(driver)
