#!/usr/bin/env python3
"""The desktop app's memory with a conversation of pictures. Run through
bench/images.sh, which builds the app and the server.

Bob sends alice --images messages into one group, each with one photo of
its own (--width × --height PNG, every one different, so no cache can
share them). The real app, signed in as alice on its own Xvfb display and
driven through tauri-driver (WebDriver), is measured, summed over the app
and its WebKit processes (PSS, and RSS), at four points:

- idle: signed in, no conversation open, after --settle seconds;
- opened: the group open at its newest messages, their thumbnails shown;
- scrolled: after scrolling up to the conversation's first message (its
  history loaded as the list asks for it) and back down through all of
  it, 100 px at a time, each picture brought into view and decoded on the
  way;
- settled: --settle seconds after that.

It also says how many different pictures were decoded on the way, and
what the shell's cache of files holds on disk.

    bench/images.py --app BIN --server BIN [--images 200]
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(Path(__file__).parent))
from footprint import Server, Xvfb, graphql, memory, prepare_home, sign_in  # noqa: E402


def photo(i: int, width: int, height: int) -> bytes:
    """A PNG of bands of colour, different for every `i`."""
    rows = []
    for y in range(height):
        band = (y * 7 // height + i) % 7
        colour = bytes(((i * 37 + band * 50) % 256, (i * 91 + y) % 256, (band * 90 + i * 13) % 256))
        rows.append(b"\x00" + colour * width)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 1))
        + chunk(b"IEND", b"")
    )


def upload(server: Server, token: str, name: str, body: bytes) -> str:
    conn = server.connection()
    conn.request(
        "POST",
        f"/v1/attachments?name={name}",
        body,
        {"Authorization": f"Bearer {token}", "Content-Type": "image/png", "Content-Length": str(len(body))},
    )
    answer = conn.getresponse()
    data = json.loads(answer.read())
    if answer.status != 201:
        raise SystemExit(f"upload refused: {data}")
    return data["id"]


def seed(server: Server, count: int, width: int, height: int) -> tuple[dict, str]:
    """Alice's kept session, and the group bob filled with photos."""
    conn = server.connection()
    alice_token, alice_id = sign_in(conn, "alice")
    bob_token, _ = sign_in(conn, "bob")
    channel = graphql(
        conn,
        "mutation($n: String!, $m: [ID!]) { createGroupChannel(name: $n, memberIds: $m) { id } }",
        {"n": "photos", "m": [alice_id]},
        bob_token,
    )["createGroupChannel"]["id"]
    for i in range(count):
        attachment = upload(server, bob_token, f"photo-{i:03}.png", photo(i, width, height))
        graphql(
            conn,
            "mutation($c: ID!, $a: [ID!]) { sendChatMessage(channelId: $c, message: \"\", attachmentIds: $a) { id } }",
            {"c": channel, "a": [attachment]},
            bob_token,
        )
    return {"serverUrl": server.url, "token": alice_token}, channel


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, what: str, proc: subprocess.Popen):
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not listen")


def app_pid(binary: str) -> int:
    """The app's process (started by WebKitWebDriver)."""
    name = Path(binary).name
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "exe")).name == name:
                    return int(entry.name)
            except OSError:
                continue
    raise SystemExit("the app's process was not found")


def decoded(driver) -> list[str]:
    """The pictures of the conversation shown and decoded now."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.message-scroll .attachments img'))"
        ".filter((i) => i.complete && i.naturalWidth > 0).map((i) => i.getAttribute('src'));"
    )


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--app", required=True)
    p.add_argument("--server", required=True)
    p.add_argument("--images", type=int, default=200)
    p.add_argument("--width", type=int, default=1600)
    p.add_argument("--height", type=int, default=1000)
    p.add_argument("--settle", type=float, default=8)
    args = p.parse_args()

    work = Path(tempfile.mkdtemp(prefix="suda-images-"))
    server = Server(args.server, work)
    xvfb = driver = driver_proc = None
    try:
        print(f"sending {args.images} photos of {args.width}×{args.height}...", file=sys.stderr)
        t0 = time.monotonic()
        session, channel = seed(server, args.images, args.width, args.height)
        print(f"  in {time.monotonic() - t0:.1f} s", file=sys.stderr)
        xvfb = Xvfb()
        home = prepare_home(session)
        env = dict(
            os.environ,
            DISPLAY=xvfb.name,
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / "c"),
            XDG_DATA_HOME=str(home / "d"),
            XDG_CACHE_HOME=str(home / "cache"),
            SUDA_NO_KEYCHAIN="1",
        )
        port, native = free_port(), free_port()
        driver_proc = subprocess.Popen(
            ["tauri-driver", "--port", str(port), "--native-port", str(native)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_listening(port, "tauri-driver", driver_proc)
        wait_listening(native, "WebKitWebDriver", driver_proc)
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": args.app})
        url = f"http://127.0.0.1:{port}"
        driver = webdriver.Remote(
            command_executor=url, options=options, client_config=ClientConfig(remote_server_addr=url, timeout=120)
        )
        wait = WebDriverWait(driver, 60, poll_frequency=0.2)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"[data-channel-id='{channel}']"))
        root = app_pid(args.app)
        points = {}

        def measure(name: str):
            split = {}
            pss, rss, n = memory(root, split)
            points[name] = (pss, rss, n, split)

        time.sleep(args.settle)
        measure("idle")

        driver.find_element(By.CSS_SELECTOR, f"[data-channel-id='{channel}']").click()
        wait.until(lambda d: len(decoded(d)) >= 5, "no thumbnails shown")
        time.sleep(2)
        seen = set(decoded(driver))
        measure("opened")

        # Up through the whole conversation, each picture into view, then down.
        # A quarter of a window at a time (rows not yet shown are measured
        # only once they are: longer steps skip pictures), each step until
        # the pictures in view have loaded (they load lazily).
        to_top = "const l = document.querySelector('.message-scroll'); l.scrollTop -= 100; return l.scrollTop;"
        loading = (
            "return Array.from(document.querySelectorAll('.message-scroll .attachments img'))"
            ".some((i) => !i.complete);"
        )
        stalled = 0
        while len(seen) < args.images and stalled < 30:
            before = len(seen)
            top = driver.execute_script(to_top)
            for _ in range(4):
                time.sleep(0.1)
                seen.update(decoded(driver))
            for _ in range(10):
                if not driver.execute_script(loading):
                    break
                time.sleep(0.1)
            seen.update(decoded(driver))
            stalled = stalled + 1 if len(seen) == before and top == 0 else 0
        at_top = driver.execute_script(
            "return document.querySelector('.message-scroll .list-top')?.textContent ?? ''"
        )
        print(f"  {len(seen)} pictures decoded scrolling up; at the top: {at_top!r}", file=sys.stderr)
        # Then down through all of it to the newest, 100 px at a time: once
        # everything is loaded, every picture comes into view on the way.
        down = "const l = document.querySelector('.message-scroll'); l.scrollTop += 100;" \
               " return l.scrollTop + l.clientHeight >= l.scrollHeight - 2;"
        while True:
            bottom = driver.execute_script(down)
            for _ in range(4):
                time.sleep(0.1)
                seen.update(decoded(driver))
            for _ in range(10):
                if not driver.execute_script(loading):
                    break
                time.sleep(0.1)
            seen.update(decoded(driver))
            if bottom:
                break
        time.sleep(1)
        measure("scrolled")
        time.sleep(args.settle)
        measure("settled")
        cache = du(home / "d" / "app.suda.desktop" / "files")
    finally:
        if driver:
            driver.quit()
        if driver_proc:
            driver_proc.terminate()
            driver_proc.wait(10)
        if xvfb:
            xvfb.stop()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    mib = lambda k: f"{k / 1024:.1f} MiB"  # noqa: E731
    idle = points["idle"][0]
    print(f"\n{args.images} photos of {args.width}×{args.height}; {len(seen)} different ones decoded on the way\n")
    print("| point | PSS | over idle | RSS | WebKitWebProcess PSS | suda-desktop PSS |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, label in (
        ("idle", "idle, no conversation open"),
        ("opened", "the conversation open at its newest"),
        ("scrolled", f"after scrolling through all {args.images}"),
        ("settled", f"{args.settle:g} s later"),
    ):
        pss, rss, _, split = points[name]
        print(
            f"| {label} | {mib(pss)} | {'' if name == 'idle' else '+' + mib(pss - idle)} | {mib(rss)} |"
            f" {mib(split.get('WebKitWebProces', 0))} | {mib(split.get('suda-desktop', 0))} |"
        )
    print(f"\nthe shell's cache of files on disk: {cache / 1048576:.1f} MiB")


if __name__ == "__main__":
    main()
