"""End-to-end: the real Suda desktop app, driven over WebDriver.

Run through tests/e2e/run.sh, which builds everything and provides Xvfb,
tauri-driver, a private D-Bus session and the notification recorder
(notify_recorder.py). The tests share one demo server (conftest.py); this
one signs in as alice in the app and has bob write from the `suda` CLI.
"""
import subprocess

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import (
    APP,
    PASSWORD,
    TIMEOUT,
    Notifications,
    badge_text,
    channel_button,
    current_channel,
    field,
    invoke_action,
    log_texts,
    screenshot,
    tray,
    unread_total,
    visible,
    wait_until,
)

from test_screens import sign_out_if_signed_in

# selenium 4.27 warns about its own Remote() constructor.
pytestmark = pytest.mark.filterwarnings("ignore:setting remote_server_addr:DeprecationWarning")


def test_desktop_app_end_to_end(server, bob, alice_all_read, app):
    driver = app
    wait = WebDriverWait(driver, TIMEOUT, poll_frequency=0.1)

    # Sign in as alice (an earlier test may have left its member signed in:
    # the app keeps the session).
    sign_out_if_signed_in(driver)
    wait.until(visible(driver, By.XPATH, "//label[span[normalize-space()='Server URL']]//input"))
    server_field = field(driver, "Server URL")
    server_field.clear()
    server_field.send_keys(server)
    field(driver, "Name").send_keys("alice")
    field(driver, "Password").send_keys(PASSWORD)
    driver.find_element(By.XPATH, "//button[@type='submit' and normalize-space()='Sign in']").click()

    # The sidebar lists the demo channels; open #general.
    wait.until(visible(driver, By.CSS_SELECTOR, "nav [data-channel-id]"), "no channels after sign-in")
    wait.until(lambda d: channel_button(d, "random"), "no #random in the sidebar")
    assert badge_text(driver, "random") is None, "#random has unread messages before the test"
    # The tray item the desktop panel shows: nothing unread yet.
    calm = wait_until(tray, message="the app registered no tray item")
    print(f"tray, nothing unread: {calm | {'icon': len(calm['icon'] or b'')}}")
    assert calm["icon"], "the tray item has no icon file"
    assert calm["label"] == "" and "Quit Suda" in calm["menu"], calm
    channel_button(driver, "general").click()
    wait.until(
        visible(driver, By.CSS_SELECTOR, "[role='log'][aria-label='Messages in general']"),
        "#general did not open",
    )
    wait.until(lambda d: current_channel(d) == "general")
    # The composer is ready for #general.
    wait.until(visible(driver, By.CSS_SELECTOR, "textarea[aria-label='Message general']"))

    # Bob writes to #general from the CLI: it appears in the conversation.
    first = len(Notifications.all())
    bob.send("general", "hello from the CLI")
    wait.until(
        lambda d: "hello from the CLI" in log_texts(d),
        "bob's message did not appear in #general",
    )
    announcer = driver.find_element(By.CSS_SELECTOR, "[data-testid='announcer']")
    wait.until(lambda d: "hello from the CLI" in announcer.get_attribute("textContent"))
    shot = screenshot(driver, "01-general-signed-in")
    print(f"screenshot: {shot}")

    # Bob writes to #random: its unread badge shows 1, and a real desktop
    # notification reached the notification server.
    bob.send("random", "over in random")
    wait.until(lambda d: badge_text(d, "random") == "1", "#random's unread badge is not 1")
    badge = channel_button(driver, "random").find_element(By.CSS_SELECTOR, ".badge")
    assert badge.get_attribute("aria-label") == "1 unread message"
    # The tray shows it too: the unread icon, the count beside it, and
    # #random in its menu.
    busy = wait_until(
        lambda: (t := tray()) and t["label"] == "1" and t,
        message="the tray does not show 1 unread",
    )
    print(f"tray, 1 unread: {busy | {'icon': len(busy['icon'] or b'')}}")
    assert busy["icon"] != calm["icon"], "the tray icon did not change"
    assert "#random (1)" in busy["menu"], busy

    def random_notification():
        for n in Notifications.since(first):
            text = f"{n['summary']} {n['body']}"
            if "over in random" in text or ("random" in text and "bob" in text):
                return n
        return None

    note = wait_until(random_notification, message="no notification for bob's message in #random")
    assert note["app_name"] == "Suda"
    assert "bob" in f"{note['summary']} {note['body']}"
    assert "over in random" in note["body"]
    assert "default" in note["actions"], note
    print(f"notification: {note}")
    # While alice reads #general in the focused app, bob's #general message
    # does not deserve a notification (the policy's "unseen" rule).
    general_notes = [
        n for n in Notifications.since(first) if "hello from the CLI" in f"{n['summary']} {n['body']}"
    ]
    print(f"notifications for the message in view: {general_notes}")

    # A click on the notification opens #random.
    invoke_action(note["id"], "default")
    wait.until(lambda d: current_channel(d) == "random", "the click did not open #random")
    wait.until(
        visible(driver, By.CSS_SELECTOR, "[role='log'][aria-label='Messages in random']"),
        "#random's messages are not shown",
    )
    wait.until(lambda d: "over in random" in log_texts(d))
    # Read: #random leaves the tray, whose count is the sidebar's again (and
    # calm if nothing else is unread: a message that arrived while the
    # window had no focus stays unread, as it should).
    def tray_agrees():
        t = tray()
        if not t or "#random (1)" in t["menu"]:
            return None
        total = unread_total(driver)
        if total == 0:
            return t["label"] == "" and t["icon"] == calm["icon"]
        return t["label"] == str(total) and t["icon"] == busy["icon"]

    try:
        wait_until(tray_agrees, message="the tray does not match the sidebar after reading")
    except Exception:
        print(f"tray: {tray() | {'icon': None}}; sidebar unread: {unread_total(driver)}")
        raise
    shot = screenshot(driver, "02-random-after-notification-click")
    print(f"screenshot: {shot}")

    # Alice writes from the app's composer: it shows in the list, and no
    # notification is raised for her own message.
    before_own = len(Notifications.all())
    composer = wait.until(
        visible(driver, By.CSS_SELECTOR, "textarea[aria-label='Message random']")
    )
    composer.click()
    composer.send_keys("hi bob, alice here")
    composer.send_keys(Keys.ENTER)
    wait.until(lambda d: "hi bob, alice here" in log_texts(d), "alice's message is not in the list")
    # Delivered: the outbox row is replaced by (or marked as) the server's copy.
    wait.until(
        lambda d: not d.find_elements(
            By.CSS_SELECTOR, "[role='log'] article.outbox[data-state='pending'], "
            "[role='log'] article.outbox[data-state='failed']"
        ),
        "alice's message was not delivered",
    )
    assert composer.get_attribute("value") == ""
    # A barrier: bob writes in the direct channel, which is not on screen, so
    # it notifies. Events reach the app in order, so once that notification is
    # in, any notification for alice's own message would be in too.
    direct = channel_button(driver, "bob")
    bob.send(direct.get_attribute("data-channel-id"), "barrier from bob: 1 < 2 && <b>bold</b>")
    wait_until(
        lambda: any("barrier from bob" in n["body"] for n in Notifications.since(before_own)),
        message="no notification for bob's direct message",
    )
    barrier = next(n for n in Notifications.since(before_own) if "barrier from bob" in n["body"])
    # A direct message is titled with the sender alone, and its text reaches
    # the notification server escaped, so markup-aware servers show it as text.
    assert barrier["summary"] == "bob", barrier
    assert barrier["body"] == "barrier from bob: 1 &lt; 2 &amp;&amp; &lt;b&gt;bold&lt;/b&gt;", barrier
    own = [
        n
        for n in Notifications.since(before_own)
        if "hi bob, alice here" in f"{n['summary']} {n['body']}"
    ]
    assert own == [], f"a notification was raised for alice's own message: {own}"
    shot = screenshot(driver, "03-random-own-message")
    print(f"screenshot: {shot}")


def test_a_second_launch_hands_over_to_the_first_and_exits(app):
    """Single instance: launching Suda again while it runs does not open a
    second app; the new process hands over to the running one and exits."""
    WebDriverWait(app, TIMEOUT).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    second = subprocess.Popen(
        [str(APP)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        code = second.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        second.kill()
        pytest.fail("a second launch kept running next to the first")
    assert code == 0, f"the second launch exited with {code}"
    # The first one is still there and answering.
    assert app.execute_script("return document.readyState") == "complete"
