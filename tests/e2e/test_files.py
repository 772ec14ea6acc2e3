"""End-to-end: files and images in the real app, against the real server.

A new member signs up in the app; bob, at the CLI, sends a photo (with a
GPS position in its EXIF) and a text file into a channel with them. In
the app the photo shows as its thumbnail, at its shape, and the text
file as a card with its name, size and type. The bytes come through the
shell's `suda-file:` scheme, past the CSP: the images are decoded, not
broken. Choosing the photo opens it full size; Escape closes it. Bob
deletes the message: the files go from the conversation.
"""
import struct
import uuid
import zlib
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import TIMEOUT, screenshot
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
