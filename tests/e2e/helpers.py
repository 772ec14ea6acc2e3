"""What the end-to-end tests share: paths from tests/e2e/inside.sh, the
`suda` CLI, the notification recorder's log, and ways to find things in the
app's page."""
import asyncio
import json
import os
import socket
import subprocess
import struct
import tempfile
import zlib
from pathlib import Path

from dbus_next.aio import MessageBus
from Xlib import X, Xatom, display
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BIN = Path(os.environ.get("SUDA_E2E_BIN", "target/debug"))
# The app under test: the one just built, or an installed one (tests/package).
APP = Path(os.environ.get("SUDA_E2E_APP") or BIN / "suda-desktop")
NOTIFY_LOG = Path(os.environ.get("SUDA_E2E_NOTIFY_LOG", "notifications.jsonl"))
TRAY_LOG = Path(os.environ.get("SUDA_E2E_TRAY_LOG", "tray.jsonl"))
ARTIFACTS = Path(os.environ.get("SUDA_E2E_ARTIFACTS", "artifacts/e2e"))
WORK = Path(os.environ.get("SUDA_E2E_WORK") or tempfile.mkdtemp(prefix="suda-e2e-"))

PASSWORD = "suda-demo"
TIMEOUT = 20
# The longest one WebDriver command may take (a launch starts the app).
WEBDRIVER_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout=TIMEOUT, message=""):
    """Polls `condition` (no arguments) until it returns something truthy."""
    return WebDriverWait(None, timeout, poll_frequency=0.1).until(lambda _: condition(), message)


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

    @staticmethod
    def closed() -> list[int]:
        """The ids the app withdrew (CloseNotification), in order."""
        path = Path(f"{NOTIFY_LOG}.closed")
        if not path.exists():
            return []
        return [int(line) for line in path.read_text("utf-8").split()]


def screenshot(driver, name: str) -> Path:
    """Saves a screenshot once the last DOM change has been painted: the
    app's window as the X server shows it, which is what a member sees.
    (WebKitWebDriver's own screenshot never answers for some pages when the
    web view paints without compositing, as the app does without a GPU.)
    A window that is not shown falls back to WebDriver's."""
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if not window_png(path):
        driver.save_screenshot(str(path))
    return path


def window_png(path: Path, whole_screen: bool = False) -> bool:
    """Writes the app's shown window (or, `whole_screen`, all the screen
    shows: the app with its dialogs) to `path` as a PNG; False if there is
    no shown window of the app."""
    x = display.Display()
    try:
        win = x.screen().root if whole_screen else app_window(x, set(app_pids()))
        if win is None or win.get_attributes().map_state != X.IsViewable:
            return False
        geo = win.get_geometry()
        data = win.get_image(0, 0, geo.width, geo.height, X.ZPixmap, 0xFFFFFFFF).data
    finally:
        x.close()
    width, height = geo.width, geo.height
    rgb = bytearray(width * height * 3)
    rgb[0::3], rgb[1::3], rgb[2::3] = data[2::4], data[1::4], data[0::4]
    stride = width * 3
    raw = b"".join(b"\x00" + bytes(rgb[y * stride : (y + 1) * stride]) for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    )
    return True


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


def unread_total(driver) -> int:
    """The sum of the sidebar's unread badges, muted channels left out (as
    the tray counts)."""
    return driver.execute_script(
        "let n = 0;"
        "for (const b of document.querySelectorAll('nav button[data-channel-id]:not(.muted) .badge'))"
        "  n += parseInt(b.textContent, 10) || 0;"
        "return n;"
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


def tray() -> dict | None:
    """What a desktop panel shows of the app's tray item, read over D-Bus from
    the item that last registered with tray_watcher.py: its icon, the label
    beside it, and its menu's labels. None until an item registered."""
    if not TRAY_LOG.exists() or not TRAY_LOG.read_text("utf-8").strip():
        return None
    last = json.loads(TRAY_LOG.read_text("utf-8").splitlines()[-1])
    # Bounded: an app whose main loop hangs would never answer.
    return asyncio.run(asyncio.wait_for(_read_tray(last["bus_name"], last["path"]), 10))


async def _read_tray(bus_name: str, path: str) -> dict:
    bus = await MessageBus().connect()
    try:
        item = bus.get_proxy_object(bus_name, path, await bus.introspect(bus_name, path))
        props = await item.get_interface("org.freedesktop.DBus.Properties").call_get_all(
            "org.kde.StatusNotifierItem"
        )
        value = {k: v.value for k, v in props.items()}
        menu_path = value.get("Menu", "/")
        menu = bus.get_proxy_object(bus_name, menu_path, await bus.introspect(bus_name, menu_path))
        _revision, layout = await menu.get_interface("com.canonical.dbusmenu").call_get_layout(
            0, -1, []
        )
        labels = []

        def walk(node):
            _id, node_props, children = node
            label = node_props.get("label")
            if label is not None and label.value:
                labels.append(label.value.replace("_", ""))
            for child in children:
                walk(child.value)

        walk(layout)
        # The icon is written to a new file on every change: compare pixels'
        # bytes (the same image encodes the same), not names.
        icon = Path(value.get("IconThemePath", ""), value.get("IconName", ""))
        if icon.suffix != ".png":
            icon = icon.with_name(icon.name + ".png")
        return {
            "icon": icon.read_bytes() if icon.is_file() else None,
            "label": value.get("XAyatanaLabel", ""),
            "title": value.get("Title", ""),
            "menu": labels,
        }
    finally:
        bus.disconnect()


def app_pids() -> list[int]:
    """The running processes of the app under test."""
    exe = APP.resolve()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(entry, "exe").resolve() == exe:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def app_window(x, pids):
    """The app's top-level X window (`x`: an Xlib display), found by the
    process id GTK puts on it; None until there is one."""
    pid_atom = x.intern_atom("_NET_WM_PID")
    for w in x.screen().root.query_tree().children:
        prop = w.get_full_property(pid_atom, Xatom.CARDINAL)
        if prop and prop.value[0] in pids and w.get_wm_name() == "Suda":
            return w
    return None
