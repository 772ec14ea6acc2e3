#!/usr/bin/env python3
"""Draws Suda's icons (a speech bubble on a blue rounded square) as PNGs with
the standard library only: the 1024 px source that `tauri icon` turns into the
bundle icons, and the two 64 px tray icons (plain, and with an unread dot).

    python3 scripts/make-icons.py OUT_DIR
    (cd OUT_DIR && npx tauri icon source.png -o ../src-tauri/icons)
"""
import math
import struct
import sys
import zlib

BLUE = (38, 99, 235, 255)
WHITE = (255, 255, 255, 255)
RED = (239, 68, 68, 255)


def pixel(u, v, dot):
    radius, margin = 0.22, 0.04
    dx = max(abs(u - 0.5) - (0.5 - margin - radius), 0)
    dy = max(abs(v - 0.5) - (0.5 - margin - radius), 0)
    px = (0, 0, 0, 0)
    if math.hypot(dx, dy) <= radius:
        px = BLUE
        ex, ey = (u - 0.5) / 0.30, (v - 0.46) / 0.22
        tail = 0.34 < u < 0.46 and 0.62 < v < 0.78 and (v - 0.62) < (0.46 - u) * 1.4
        if ex * ex + ey * ey <= 1 or tail:
            px = WHITE
            for cx in (0.38, 0.5, 0.62):
                if math.hypot(u - cx, v - 0.46) < 0.035:
                    px = BLUE
    if dot:
        d = math.hypot(u - 0.80, v - 0.20)
        if d < 0.17:
            px = RED if d < 0.14 else WHITE
    return px


def write_png(path, size, dot=False):
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            row += bytes(pixel((x + 0.5) / size, (y + 0.5) / size, dot))
        rows.append(bytes(row))

    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", header))
        f.write(chunk(b"IDAT", zlib.compress(b"".join(rows), 9)))
        f.write(chunk(b"IEND", b""))


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    write_png(f"{out}/source.png", 1024)
    write_png(f"{out}/tray.png", 64)
    write_png(f"{out}/tray-unread.png", 64, dot=True)
