#!/usr/bin/env python3
"""Repeats bench/footprint.py's burst (the flow in which the app's web
process once vanished) and says, for each round, whether the very same web
process came through, and if not, what ended it: the app's log (the shell
logs WebKit's reason), the kernel's log, and a core file if one was written.

Each round starts the installed-profile app on its own Xvfb display, signed
in as alice to a fresh demo server (send limits off), lets it settle, sends
--messages messages from bob into --channels channels over --connections
connections as fast as the server takes them, and waits until the app is
quiet. With --modes, rounds alternate between ways of drawing: `gl` keeps
WebKit's OpenGL compositing (WEBKIT_DISABLE_COMPOSITING_MODE=0), `auto`
lets the app choose (src-tauri/src/drawing.rs). Run through
bench/footprint.sh's build:

    bench/webview_soak.py --suda BIN --server BIN [--rounds 10] [--modes gl,auto]

Exits 1 if any round lost or replaced a process of the app.
"""
import argparse
import importlib.util
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

here = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("footprint", here / "footprint.py")
footprint = importlib.util.module_from_spec(spec)
spec.loader.exec_module(footprint)


def kernel_log() -> list[str]:
    try:
        return subprocess.run(["dmesg"], capture_output=True, text=True, check=False).stdout.splitlines()
    except OSError:
        return []


def collect_cores(directory: Path) -> bool:
    """Has crashing processes leave their cores in `directory` (root only)."""
    directory.mkdir(parents=True, exist_ok=True)
    try:
        Path("/proc/sys/kernel/core_pattern").write_text(f"{directory}/core.%e.%p\n")
    except OSError:
        return False
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    return True


MODES = {"gl": {"WEBKIT_DISABLE_COMPOSITING_MODE": "0"}, "auto": {}}


def compositor_threads(pid: int) -> int:
    """Threads of `pid`'s web processes that draw through OpenGL."""
    count = 0
    for web in (p for p, name in footprint.processes(pid).items() if name.startswith("WebKitWebProces")):
        for task in Path(f"/proc/{web}/task").glob("*"):
            try:
                name = (task / "comm").read_text().strip()
            except OSError:
                continue
            count += name.endswith("Compositor") or name.startswith("llvmpipe")
    return count


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--suda", required=True)
    p.add_argument("--server", required=True)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--channels", type=int, default=50)
    p.add_argument("--messages", type=int, default=100_000)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--settle", type=float, default=8)
    p.add_argument("--cores", default="/var/tmp/suda-cores")
    p.add_argument("--modes", default="auto", help="comma-separated, alternated: " + ", ".join(MODES))
    args = p.parse_args()

    cores = Path(args.cores)
    collecting = collect_cores(cores)
    modes = args.modes.split(",")
    failed = {mode: 0 for mode in modes}
    rounds = {mode: 0 for mode in modes}
    for round_ in range(1, args.rounds + 1):
        mode = modes[(round_ - 1) % len(modes)]
        rounds[mode] += 1
        os.environ.pop("WEBKIT_DISABLE_COMPOSITING_MODE", None)
        os.environ.update(MODES[mode])
        work = Path(tempfile.mkdtemp(prefix="suda-soak-server-"))
        server = footprint.Server(args.server, work)
        try:
            conn = server.connection()
            alice_token, alice_id = footprint.sign_in(conn, "alice")
            bob_token, _ = footprint.sign_in(conn, "bob")
            channels = footprint.load_channels(conn, bob_token, alice_id, args.channels)
            session = {"serverUrl": server.url, "token": alice_token}
            kernel_before = len(kernel_log())
            cores_before = set(cores.glob("core.*")) if collecting else set()
            xvfb = footprint.Xvfb()
            app = footprint.App(args.suda, xvfb, footprint.prepare_home(session))
            try:
                app.wait_first_paint()
                time.sleep(args.settle)
                before = footprint.processes(app.proc.pid)
                gl_threads = compositor_threads(app.proc.pid)
                t0 = time.monotonic()
                sent = footprint.send_flood(server, bob_token, channels, args.messages, args.connections)
                sending = time.monotonic() - t0
                quiet = app.wait_quiet()
                after = footprint.processes(app.proc.pid)
                alive = app.proc.poll() is None
            finally:
                app.stop()
                xvfb.stop()
        finally:
            server.stop()

        verdict = "same processes"
        if not alive or before != after:
            failed[mode] += 1
            gone = {pid: n for pid, n in before.items() if pid not in after}
            new = {pid: n for pid, n in after.items() if pid not in before}
            verdict = f"CHANGED: app alive {alive}; gone {gone}; new {new}"
        print(
            f"round {round_} ({mode}, {gl_threads} GL threads): {sent:,} messages in {sending:.1f} s = {sent / sending:,.0f} msg/s; "
            f"quiet {quiet:.1f} s later; {verdict}",
            flush=True,
        )
        if verdict != "same processes":
            log = app.log.read_text(errors="replace").splitlines()
            telling = [line for line in log if "web view" in line or "WebKit" in line or "ERROR" in line]
            print("  the app's log:", *(telling[-20:] or log[-20:]), sep="\n    ")
            print("  the kernel's log:", *(kernel_log()[kernel_before:][-10:] or ["(nothing new)"]), sep="\n    ")
            if collecting:
                print("  cores:", *(sorted(map(str, set(cores.glob("core.*")) - cores_before)) or ["none"]))
            print(f"  (the app's home, with its whole log, is kept: {app.log.parent})", flush=True)
    for mode in dict.fromkeys(modes):
        print(f"{mode}: {rounds[mode] - failed[mode]} of {rounds[mode]} rounds kept the same processes")
    sys.exit(1 if any(failed.values()) else 0)


if __name__ == "__main__":
    main()
