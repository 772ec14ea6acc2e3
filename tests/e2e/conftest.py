"""Fixtures of the end-to-end tests: one demo server for the whole run, bob
at the CLI, and the app launched through tauri-driver."""
import json
import os
import signal
import socket
import subprocess
import time

import pytest
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from Xlib import X, display

from helpers import (
    APP, ARTIFACTS, BIN, WEBDRIVER_TIMEOUT, WORK, Cli, app_pids, app_window, free_port, wait_until, window_png,
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Lets fixtures see whether the test failed (for failure screenshots)."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture(scope="session")
def server():
    """A demo server (alice, bob, carol; #general, #random, alice-bob) on a free
    port; with SUDA_E2E_CLUSTER=1, three nodes on one PostgreSQL behind nginx
    (the test kit's suda-cluster), and the app and the CLI talk to nginx."""
    if os.environ.get("SUDA_E2E_CLUSTER") == "1":
        yield from cluster()
        return
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


def cluster():
    log = open(WORK / "cluster.log", "wb")
    proc = subprocess.Popen(
        [str(BIN / "suda-cluster"), "--server", str(BIN / "suda-server"), "--nodes", "3", "--", "--demo"],
        stdout=subprocess.PIPE,
        stderr=log,
    )
    (WORK / "server.pid").write_text(str(proc.pid))
    try:
        url = None
        for line in proc.stdout:
            line = line.decode().strip()
            if line.startswith("READY "):
                url = line.split(" ", 1)[1]
                break
        assert url, f"suda-cluster did not start: see {WORK / 'cluster.log'}"
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def bob(server):
    return Cli(server, "bob")


@pytest.fixture(scope="session")
def alice_all_read(server):
    """The demo leaves unread messages for alice: read them (from her CLI) so
    that the app's badges count only what the test sends."""
    alice = Cli(server, "alice")
    for channel in json.loads(alice.run("--json", "channels")):
        if channel["unread"]:
            alice.run("read", channel["id"])
    assert all(c["unread"] == 0 for c in json.loads(alice.run("--json", "channels")))


class TauriDriver:
    """tauri-driver (and the WebKitWebDriver under it) for one test. One per
    test, not one per run: WebKitWebDriver that a killed app left mid-session
    answers no new session, and every later test would wait on it in turn.
    Its output, with the app's own, goes to tauri-driver.log in the work
    directory, each test's under a header."""

    current = None

    def __init__(self, name: str):
        self.log = open(WORK / "tauri-driver.log", "ab")
        self.log.write(f"==== {name}\n".encode())
        self.log.flush()
        port, native = free_port(), free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            ["tauri-driver", "--port", str(port), "--native-port", str(native)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

        def listening(at):
            assert self.proc.poll() is None, "tauri-driver exited: see tauri-driver.log"
            try:
                socket.create_connection(("127.0.0.1", at), timeout=0.5).close()
                return True
            except OSError:
                return False

        # Both: tauri-driver listens at once, WebKitWebDriver (which it
        # starts) a moment later, and a session asked for before that is
        # refused.
        wait_until(lambda: listening(port), 15, "tauri-driver did not listen")
        wait_until(lambda: listening(native), 15, "WebKitWebDriver did not listen")

    def stop(self):
        # SIGTERM: tauri-driver stops WebKitWebDriver before it exits.
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def tauri_driver(request):
    driver = TauriDriver(request.node.nodeid)
    TauriDriver.current = driver
    try:
        yield driver
    finally:
        TauriDriver.current = None
        driver.stop()


def launch_app():
    """Starts the desktop app through this test's tauri-driver; returns the
    WebDriver session."""
    url = TauriDriver.current.url
    options = ArgOptions()
    options.set_capability("browserName", "wry")
    options.set_capability("tauri:options", {"application": str(APP)})
    # Selenium waits for an answer forever by default: a WebDriver command
    # to a web process that hangs would stall the run until CI kills it,
    # saying nothing. Bounded, the test fails there with a traceback.
    config = ClientConfig(remote_server_addr=url, timeout=WEBDRIVER_TIMEOUT)
    try:
        return webdriver.Remote(command_executor=url, options=options, client_config=config)
    except Exception:
        print_processes()
        raise


def print_processes():
    """What was running when a launch failed: the app, WebKit's processes,
    the drivers, and who holds the app's single-instance name on the bus."""
    ps = subprocess.run(["ps", "-eo", "pid,ppid,stat,etime,args"], capture_output=True, text=True)
    wanted = ("suda-desktop", "WebKit", "tauri-driver")
    print("processes at the failed launch:")
    for line in ps.stdout.splitlines():
        if line.lstrip().startswith("PID") or any(w in line for w in wanted):
            print("  " + line)
    names = subprocess.run(
        ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
         "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"],
        capture_output=True, text=True,
    )
    print("bus names: " + " ".join(n for n in names.stdout.split() if "suda" in n.lower()))


def focus_app() -> None:
    """Gives the app's window the keyboard focus, as a desktop does for a
    window that opens. Under Xvfb with no window manager, focus otherwise
    follows wherever the pointer happens to be, and whether messages count
    as seen (and notify) depends on focus."""
    x = display.Display()
    try:
        def window():
            w = app_window(x, set(app_pids()))
            return w if w and w.get_attributes().map_state == X.IsViewable else None

        wait_until(window, message="the app's window did not show").set_input_focus(
            X.RevertToParent, X.CurrentTime
        )
        x.sync()
    finally:
        x.close()


@pytest.fixture
def app(request, tauri_driver):
    """The desktop app, launched by this test's tauri-driver, its window focused."""
    driver = launch_app()
    focus_app()
    try:
        yield driver
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            try:
                if not window_png(ARTIFACTS / "failure.png"):
                    driver.save_screenshot(str(ARTIFACTS / "failure.png"))
                (ARTIFACTS / "failure.html").write_text(driver.page_source, "utf-8")
                print(f"failure screenshot: {ARTIFACTS / 'failure.png'}")
            except Exception as e:  # the test may have ended this app's session
                print(f"no failure screenshot: {e}")
    finally:
        try:
            driver.quit()
        except Exception:  # the app may have quit by itself (a test closed it)
            pass
        # The next test's launch must not find this one still running: it
        # would hand over to it (single instance) and WebDriver would wait
        # for a window that never comes.
        deadline = time.monotonic() + 10
        while app_pids() and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in app_pids():
            os.kill(pid, signal.SIGKILL)
