"""End-to-end: the real Suda desktop app, driven over WebDriver.

Run through tests/e2e/run.sh, which builds everything and provides Xvfb,
tauri-driver, a private D-Bus session and the notification recorder
(notify_recorder.py). The test starts its own demo server, signs in as
alice in the app, and has bob write from the `suda` CLI.
"""
import json
import os
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.support.ui import WebDriverWait

BIN = Path(os.environ.get("SUDA_E2E_BIN", "target/debug"))
WEBDRIVER = os.environ.get("SUDA_E2E_WEBDRIVER", "http://127.0.0.1:4444")
NOTIFY_LOG = Path(os.environ.get("SUDA_E2E_NOTIFY_LOG", "notifications.jsonl"))
ARTIFACTS = Path(os.environ.get("SUDA_E2E_ARTIFACTS", "artifacts/e2e"))
WORK = Path(os.environ.get("SUDA_E2E_WORK") or tempfile.mkdtemp(prefix="suda-e2e-"))

PASSWORD = "suda-demo"
TIMEOUT = 20

# selenium 4.27 warns about its own Remote() constructor.
pytestmark = pytest.mark.filterwarnings("ignore:setting remote_server_addr:DeprecationWarning")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout=TIMEOUT, message=""):
    """Polls `condition` (no arguments) until it returns something truthy."""
    return WebDriverWait(None, timeout, poll_frequency=0.1).until(lambda _: condition(), message)


# --------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server():
    """A demo server (alice, bob, carol; #general, #random, alice-bob) on a free port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(WORK / "server.log", "wb")
    proc = subprocess.Popen(
        [
            str(BIN / "suda-server"),
            "--listen",
            f"127.0.0.1:{port}",
            "--database-url",
            f"sqlite:{WORK / 'suda.db'}",
            "--demo",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # inside.sh stops it by this id should pytest itself be killed.
    (WORK / "server.pid").write_text(str(proc.pid))

    def listening():
        assert proc.poll() is None, f"suda-server exited: see {WORK / 'server.log'}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    try:
        wait_until(listening, 30, "suda-server did not listen")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


class Cli:
    """The `suda` CLI with a config file of its own."""

    def __init__(self, server_url: str, name: str):
        self.env = dict(
            os.environ,
            SUDA_CONFIG=str(WORK / f"cli-{name}.toml"),
            SUDA_NO_KEYCHAIN="1",
        )
        self.env.pop("SUDA_TOKEN", None)
        self.env.pop("SUDA_SERVER", None)
        self.run("--server", server_url, "login", name, "--password", PASSWORD)

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "suda"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 0, f"suda {' '.join(args)}: {done.stderr}"
        return done.stdout

    def send(self, channel: str, text: str) -> None:
        self.run("send", channel, text)


@pytest.fixture(scope="module")
def bob(server):
    return Cli(server, "bob")


@pytest.fixture(scope="module")
def alice_all_read(server):
    """The demo leaves unread messages for alice: read them (from her CLI) so
    that the app's badges count only what the test sends."""
    alice = Cli(server, "alice")
    for channel in json.loads(alice.run("--json", "channels")):
        if channel["unread"]:
            alice.run("read", channel["id"])
    assert all(c["unread"] == 0 for c in json.loads(alice.run("--json", "channels")))


@pytest.fixture
def app(request):
    """The desktop app, launched by tauri-driver."""
    options = ArgOptions()
    options.set_capability("browserName", "wry")
    options.set_capability("tauri:options", {"application": str(BIN / "suda-desktop")})
    driver = webdriver.Remote(command_executor=WEBDRIVER, options=options)
    try:
        yield driver
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(ARTIFACTS / "failure.png"))
            (ARTIFACTS / "failure.html").write_text(driver.page_source, "utf-8")
            print(f"failure screenshot: {ARTIFACTS / 'failure.png'}")
    finally:
        driver.quit()


# --------------------------------------------------------------- helpers


class Notifications:
    """The recorder's JSON lines."""

    @staticmethod
    def all() -> list[dict]:
        if not NOTIFY_LOG.exists():
            return []
        return [json.loads(line) for line in NOTIFY_LOG.read_text("utf-8").splitlines() if line]

    @classmethod
    def since(cls, start: int) -> list[dict]:
        return cls.all()[start:]


def screenshot(driver, name: str) -> Path:
    """Saves a screenshot once the last DOM change has been painted."""
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def field(driver, label: str):
    return driver.find_element(
        By.XPATH, f"//label[span[normalize-space()='{label}']]//input"
    )


def channel_button(driver, name: str):
    """The sidebar's button for the channel called `name`."""
    return driver.find_element(
        By.XPATH,
        f"//nav//button[@data-channel-id][.//span[@class='channel-name' and normalize-space()='{name}']]",
    )


def visible(driver, by, selector):
    def find(_driver=None):
        found = [e for e in driver.find_elements(by, selector) if e.is_displayed()]
        return found[0] if found else None

    return find


def log_texts(driver) -> list[str]:
    """The message texts in the open conversation's log."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(\"[role='log'] article.message .text\"),"
        " (e) => e.textContent);"
    )


def badge_text(driver, name: str) -> str | None:
    """The unread badge of the sidebar's channel called `name` (None: no badge)."""
    return driver.execute_script(
        "for (const b of document.querySelectorAll('nav button[data-channel-id]')) {"
        "  if (b.querySelector('.channel-name')?.textContent === arguments[0])"
        "    return b.querySelector('.badge')?.textContent ?? null;"
        "}"
        "return undefined;",
        name,
    )


def current_channel(driver) -> str | None:
    """The name of the channel the sidebar marks as current."""
    return driver.execute_script(
        "return document.querySelector(\"nav button[data-channel-id][aria-current='page']"
        " .channel-name\")?.textContent ?? null;"
    )


def invoke_action(nid: int, key: str) -> None:
    """What a desktop does when the member clicks the notification."""
    subprocess.run(
        [
            "dbus-send",
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.Notifications",
            "--type=method_call",
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications.InvokeAction",
            f"uint32:{nid}",
            f"string:{key}",
        ],
        check=True,
        capture_output=True,
        timeout=10,
    )


# --------------------------------------------------------------- the test


def test_desktop_app_end_to_end(server, bob, alice_all_read, app):
    driver = app
    wait = WebDriverWait(driver, TIMEOUT, poll_frequency=0.1)

    # Sign in as alice.
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
        [str(BIN / "suda-desktop")],
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
