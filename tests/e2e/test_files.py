"""End-to-end: files and images in the real app, against the real server.

Attaching: a file chosen in the system's (GTK) file dialog, a picture
pasted from the X clipboard with Ctrl+V, and one dropped on the window
upload at once and go with one message; a file too large is refused with
the server's limit. A file card saves through the system's save dialog and
opens with the desktop's `xdg-open` (a recording one on PATH: there is no
desktop here to open it in).

A new member signs up in the app; bob, at the CLI, sends a photo (with a
GPS position in its EXIF) and a text file into a channel with them. In
the app the photo shows as its thumbnail, at its shape, and the text
file as a card with its name, size and type. The bytes come through the
shell's `suda-file:` scheme, past the CSP: the images are decoded, not
broken. Choosing the photo opens it full size; Escape closes it. Bob
deletes the message: the files go from the conversation.
"""
import base64
import struct
import subprocess
import time
import uuid
import zlib
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import ARTIFACTS, TIMEOUT, WORK, screenshot, wait_until, window_png
from test_conversations import message_id
from test_screens import open_channel, sign_out_if_signed_in, sign_up_in_app

pytestmark = pytest.mark.filterwarnings("ignore:setting remote_server_addr:DeprecationWarning")


def photo_png(path: Path, width: int, height: int) -> None:
    """A PNG of a sunset's colours, with an eXIf chunk naming a place."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            row += bytes((255 - y * 200 // height, 80 + x * 100 // width, 40 + y * 150 // height))
        rows.append(bytes(row))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    exif = b"II*\x00\x08\x00\x00\x00\x01\x00\x0e\x01\x02\x00\x08\x00\x00\x00\x1a\x00\x00\x00\x00\x00\x00\x00GPSLAT1\x00"
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"eXIf", exif)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + chunk(b"IEND", b"")
    )


def shown_images(driver) -> list[dict]:
    """Each image of the conversation's files: its alt, size shown and decoded."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.attachments img'), (i) => ({"
        " alt: i.alt, width: i.width, height: i.height,"
        " natural: [i.naturalWidth, i.naturalHeight], src: i.getAttribute('src')}));"
    )


def cards(driver) -> list[str]:
    """Each file card as shown: its name, then its size and type."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.attachments .attachment-file'), (c) =>"
        " c.querySelector('.attachment-name').textContent + ' | '"
        " + c.querySelector('.attachment-meta').textContent);"
    )


def test_files_show_in_the_app_through_the_shell_and_go_with_their_message(server, bob, app, tmp_path):
    driver = app
    wait = WebDriverWait(driver, TIMEOUT, poll_frequency=0.1)
    me = f"noor-{uuid.uuid4().hex[:6]}"
    trip = f"trip-{me[5:]}"
    sign_up_in_app(driver, server, me)

    bob.run("create", trip, "--member", me)
    photo = tmp_path / "sunset.png"
    photo_png(photo, 960, 480)
    notes = tmp_path / "packing list.txt"
    notes.write_text("towels\nsunscreen\n")
    bob.run("upload", trip, str(photo), str(notes), "-m", "from the beach")
    open_channel(driver, trip)

    # The photo as its thumbnail (480 × 240 decoded, shown at 320 × 160),
    # through the shell's scheme; the text file as a card.
    wait.until(
        lambda d: any(i["natural"] == [480, 240] for i in shown_images(d)),
        "the photo's thumbnail did not load through the shell",
    )
    [image] = shown_images(driver)
    assert image["alt"] == "sunset.png", image
    assert (image["width"], image["height"]) == (320, 160), image
    assert image["src"].startswith("suda-file://localhost/"), image
    assert image["src"].endswith("/thumbnail"), image
    assert cards(driver) == ["packing list.txt | 17 B · text/plain"], cards(driver)
    screenshot(driver, "64-files-in-a-conversation")

    # Full size in the viewer: the server's copy, whole (960 wide).
    driver.find_element(By.CSS_SELECTOR, "button[aria-label='Open sunset.png full size']").click()
    viewer = wait.until(
        lambda d: next(iter(d.find_elements(By.CSS_SELECTOR, ".viewer[role='dialog']")), None),
        "the viewer did not open",
    )
    wait.until(
        lambda d: d.execute_script("return document.querySelector('.viewer img').naturalWidth") == 960,
        "the full image did not load",
    )
    assert "960×480" in viewer.text, viewer.text
    screenshot(driver, "65-files-viewer")
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".viewer"), "Escape did not close the viewer")

    # Deleted by bob: the files go from the conversation too.
    bob.run("delete", message_id(bob, trip, "bob: from the beach"))
    wait.until(lambda d: not shown_images(d) and not cards(d), "the deleted message's files stayed")

    sign_out_if_signed_in(driver)


def xdotool(*args: str) -> str:
    done = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, f"xdotool {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def answer_file_dialog(title: str, path: Path) -> None:
    """Answers the system's GTK file dialog titled `title` as a member
    would: waits for it to be shown, focuses it, types the file's whole
    path (which opens the dialog's location field) and presses Enter."""
    window = xdotool("search", "--sync", "--onlyvisible", "--name", f"^{title}$").splitlines()[0]
    xdotool("windowfocus", "--sync", window)
    # The dialog takes typing once it has drawn itself.
    time.sleep(0.5)
    xdotool("key", "--clearmodifiers", "ctrl+l")
    xdotool("key", "--clearmodifiers", "ctrl+a")
    xdotool("type", "--delay", "20", str(path))
    # The first Enter may only take the location's completion; the dialog
    # answers at the next.
    for _ in range(5):
        time.sleep(0.5)
        if not dialog_shown(title):
            return
        xdotool("key", "Return")
    window_png(ARTIFACTS / f"failure-dialog-{title}.png", whole_screen=True)
    raise AssertionError(f"the dialog {title!r} took no answer")


def dialog_shown(title: str) -> bool:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"], capture_output=True, text=True
    )
    return found.returncode == 0 and found.stdout.strip() != ""


def attached(driver) -> list[dict]:
    """Each file in the composer's tray: its name, state, and whether it
    shows a picture of itself."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.composer-files .attached'), (li) => ({"
        " name: li.querySelector('.attached-name').textContent,"
        " state: ['uploading', 'done', 'failed'].find((s) => li.classList.contains(s)),"
        " preview: !!li.querySelector('img.attached-preview'),"
        " error: li.querySelector('.attached-error')?.textContent ?? null}));"
    )


def drop_files(driver, files: list[tuple[str, str, str]], hold: bool = False) -> None:
    """Drops files (name, media type, base64 bytes) on the message list as a
    file manager does: `dragover` (the app shows where they go), then
    `drop`, with the files in the event's DataTransfer. With `hold`, the
    files are only held over the window (dragover every 50 ms)."""
    driver.execute_script(
        """
        const [files, hold] = arguments;
        const data = new DataTransfer();
        for (const [name, type, b64] of files) {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          data.items.add(new File([bytes], name, { type }));
        }
        const target = document.querySelector('.message-list') ?? document.body;
        const fire = (kind) => target.dispatchEvent(
          new DragEvent(kind, { dataTransfer: data, bubbles: true, cancelable: true }));
        fire('dragenter');
        fire('dragover');
        if (hold) {
          window.__holding = setInterval(() => fire('dragover'), 50);
        } else {
          clearInterval(window.__holding);
          fire('drop');
        }
        """,
        files,
        hold,
    )


def test_files_attach_by_picker_paste_and_drop_and_save_and_open(server, bob, app, tmp_path):
    driver = app
    wait = WebDriverWait(driver, TIMEOUT, poll_frequency=0.1)
    me = f"sami-{uuid.uuid4().hex[:6]}"
    plans = f"plans-{me[5:]}"
    sign_up_in_app(driver, server, me)
    bob.run("create", plans, "--member", me)
    open_channel(driver, plans)

    # Chosen in the system's dialog (GTK's, driven as a member would).
    agenda = tmp_path / "agenda.txt"
    agenda.write_text("1. venue\n2. food\n")
    driver.find_element(By.CSS_SELECTOR, "button[aria-label='Attach files']").click()
    answer_file_dialog("Attach files", agenda)
    wait.until(
        lambda d: any(f["name"] == "agenda.txt" and f["state"] == "done" for f in attached(d)),
        "the chosen file did not upload",
    )

    # Pasted: a picture on the X clipboard, and Ctrl+V in the message box.
    screenshot_png = tmp_path / "screen.png"
    photo_png(screenshot_png, 640, 400)
    clip = subprocess.Popen(
        ["xclip", "-selection", "clipboard", "-t", "image/png", "-i", str(screenshot_png)]
    )
    try:
        box = driver.find_element(By.CSS_SELECTOR, ".composer textarea")
        box.click()
        box.send_keys(Keys.CONTROL, "v")
        wait.until(
            lambda d: any(f["name"].startswith("Pasted ") and f["preview"] and f["state"] == "done" for f in attached(d)),
            f"the pasted picture did not upload: {attached(driver)}",
        )
    finally:
        clip.terminate()
        clip.wait()

    # Dropped: the window shows where files go while they are held over it.
    map_png = tmp_path / "map.png"
    photo_png(map_png, 300, 600)
    dropped = [("map.png", "image/png", base64.b64encode(map_png.read_bytes()).decode())]
    drop_files(driver, dropped, hold=True)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".drop-zone"), "no drop zone while dragging")
    assert f"Drop to send to {plans}" in driver.find_element(By.CSS_SELECTOR, ".drop-zone").text
    screenshot(driver, "66-files-dragged-over")
    drop_files(driver, dropped)
    wait.until(
        lambda d: [f["state"] for f in attached(d)] == ["done"] * 3,
        f"the dropped file did not upload: {attached(driver)}",
    )
    assert not driver.find_elements(By.CSS_SELECTOR, ".drop-zone")
    # Each picture shows itself in the tray (past the CSP: decoded, not broken).
    wait.until(
        lambda d: d.execute_script(
            "const shown = Array.from(document.querySelectorAll('.attached-preview'));"
            "return shown.length === 2 && shown.every((i) => i.complete && i.naturalWidth > 0);"
        ),
        f"the attached pictures do not show: {attached(driver)}",
    )
    # Too large for the server: said at once, nothing sent.
    too_big = base64.b64encode(bytes(26 * 1024 * 1024)).decode()
    drop_files(driver, [("huge.bin", "application/octet-stream", too_big)])
    wait.until(
        lambda d: "“huge.bin” is too large: this server takes files up to 25 MB."
        in d.find_element(By.CSS_SELECTOR, "main").text,
        "no error for a file larger than the server takes",
    )
    assert len(attached(driver)) == 3
    screenshot(driver, "67-files-attached")

    # One message carries all three, with its caption.
    box = driver.find_element(By.CSS_SELECTOR, ".composer textarea")
    box.send_keys("for saturday", Keys.ENTER)
    wait.until(lambda d: not attached(d), "the tray did not empty once sent")
    wait.until(
        lambda d: len(shown_images(d)) == 2 and "agenda.txt | 17 B · text/plain" in cards(d),
        "the sent message does not show its files",
    )
    screenshot(driver, "68-files-sent")
    history = bob.run("history", plans)
    assert "for saturday" in history, history
    for name in ("agenda.txt", "map.png", "Pasted "):
        assert name in history, history

    # Saved where the member says, in the system's save dialog.
    saved = tmp_path / "saved-agenda.txt"
    driver.find_element(By.CSS_SELECTOR, "button[aria-label='Save agenda.txt']").click()
    answer_file_dialog("Save file", saved)
    wait_until(lambda: saved.exists() and saved.read_text() == "1. venue\n2. food\n", TIMEOUT, "not saved")
    wait.until(lambda d: "Saved" in d.find_element(By.CSS_SELECTOR, ".attachment-file").text)

    # Opened with the system's application (the desktop's xdg-open).
    driver.find_element(By.CSS_SELECTOR, "button[aria-label='Open agenda.txt']").click()
    opened = WORK / "opened.log"
    wait_until(lambda: opened.exists() and opened.read_text().strip(), TIMEOUT, "nothing was opened")
    path = Path(opened.read_text().splitlines()[-1])
    assert path.name == "agenda.txt", path
    assert path.read_text() == "1. venue\n2. food\n"

    sign_out_if_signed_in(driver)
