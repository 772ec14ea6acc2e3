#!/usr/bin/env python3
"""The desktop app's footprint, against an empty Tauri app measured in the
same run (the floor). Run through bench/footprint.sh, which builds both.

For each app, on its own Xvfb display:
- start to first paint: from spawning the process to the first frame of its
  window that shows content (its pixels are not all one colour: Suda's
  splash is blank until the UI has its state), read from the X server. The
  first start follows a drop of the page cache where the kernel allows it
  (cold), then --starts warm ones (median);
- idle memory after --settle seconds: PSS (shared pages shared out) and
  RSS, summed over the app and its WebKit processes.
Suda runs signed in to a local server, as alice, a member of the demo's
channels and of --channels more. Then --messages messages are sent to those
channels from bob (several connections, as fast as the server takes them),
and once the app has gone quiet again its memory is read once more.

    bench/footprint.py --suda BIN --empty BIN --server BIN [--deb FILE]
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from Xlib import X, Xatom, display

PASSWORD = "suda-demo"


# ------------------------------------------------------------------ server


class Server:
    """A demo suda-server with the send limits out of the way."""

    def __init__(self, binary: str, work: Path):
        with __import__("socket").socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                binary,
                "--demo",
                "--listen",
                f"127.0.0.1:{self.port}",
                "--database-url",
                f"sqlite:{work / 'suda.db'}",
                # The load is bob's alone: his sends and the 50 channels he
                # creates would otherwise be rate limited.
                "--no-limits",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.connection().request("GET", "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("suda-server did not start")
                time.sleep(0.1)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def graphql(conn, query: str, variables: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request("POST", "/graphql", json.dumps({"query": query, "variables": variables}), headers)
    body = json.loads(conn.getresponse().read())
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


def load_channels(conn, token: str, member_id: str, count: int) -> list[str]:
    """Creates `count` group channels (`load-00`, ...) as the member of
    `token`, with `member_id` in each; their ids."""
    return [
        graphql(
            conn,
            "mutation($n: String!, $m: [ID!]) { createGroupChannel(name: $n, memberIds: $m) { id } }",
            {"n": f"load-{i:02}", "m": [member_id]},
            token,
        )["createGroupChannel"]["id"]
        for i in range(count)
    ]


def sign_in(conn, name: str) -> tuple[str, str]:
    data = graphql(
        conn,
        "mutation($n: String!, $p: String!) { signIn(memberName: $n, password: $p)"
        " { token member { id } } }",
        {"n": name, "p": PASSWORD},
    )["signIn"]
    return data["token"], data["member"]["id"]


# ------------------------------------------------------------------ processes


def tree(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    keep = {root}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if pid not in keep and parent in keep:
                keep.add(pid)
                changed = True
    return sorted(keep)


def memory(root: int, by_process: dict | None = None) -> tuple[int, int, int]:
    """(PSS KiB, RSS KiB, processes) summed over the process tree; with
    `by_process`, also each process's PSS by name."""
    pss = rss = n = 0
    for pid in tree(root):
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines()[1:])
        pss += int(fields["Pss"].split()[0])
        rss += int(fields["Rss"].split()[0])
        n += 1
        if by_process is not None:
            by_process[name] = by_process.get(name, 0) + int(fields["Pss"].split()[0])
    return pss, rss, n


def processes(root: int) -> dict[int, str]:
    """The process tree under `root`: pid -> name."""
    found = {}
    for pid in tree(root):
        try:
            found[pid] = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
    return found


def same_processes(before: dict[int, str], after: dict[int, str], log: Path | None = None) -> None:
    """Refuses a run in which a process of the app ended or was replaced (a
    web view that died and came back is a new pid): a figure from it is not
    the app's footprint. Quotes what the app's log says about it."""
    gone = {pid: name for pid, name in before.items() if pid not in after}
    new = {pid: name for pid, name in after.items() if pid not in before}
    if gone or new:
        describe = lambda ps: ", ".join(f"{n} ({p})" for p, n in sorted(ps.items())) or "none"  # noqa: E731
        said = ""
        if log is not None and log.exists():
            text = log.read_text(errors="replace").splitlines()
            # What says why a process ended first: a burst of other warnings
            # (notifications that could not be shown, say) must not hide it.
            telling = [line for line in text if "web view" in line or "WebKit" in line]
            others = [line for line in text if ("ERROR" in line or "WARN" in line) and line not in telling]
            lines = telling[-20:] + others[-5:]
            said = "\nthe app's log says:\n" + "\n".join(lines) if lines else "\nthe app's log says nothing of it"
        raise SystemExit(
            "footprint: the app's processes changed during the run, so its figures are not the app's: "
            f"gone: {describe(gone)}; new: {describe(new)}{said}"
        )


def cpu_ticks(root: int) -> int:
    total = 0
    for pid in tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def drop_page_cache() -> bool:
    subprocess.run(["sync"], check=False)
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


class Xvfb:
    def __init__(self):
        read, write = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as f:
            self.name = ":" + f.readline().strip()
        self.x = display.Display(self.name)
        self.pid_atom = self.x.intern_atom("_NET_WM_PID")

    def painted_window(self, pid: int):
        """The mapped top-level window of `pid` if it shows content yet."""
        for w in self.x.screen().root.query_tree().children:
            try:
                prop = w.get_full_property(self.pid_atom, Xatom.CARDINAL)
                if not prop or prop.value[0] != pid:
                    continue
                if w.get_attributes().map_state != X.IsViewable:
                    continue
                g = w.get_geometry()
                if g.width < 50 or g.height < 50:
                    continue
                image = w.get_image(0, 0, g.width, g.height, X.ZPixmap, 0xFFFFFFFF)
                data = image.data
                # Content: more than one colour (sampled every 97th pixel).
                if len({data[i : i + 3] for i in range(0, len(data) - 3, 4 * 97)}) > 1:
                    return w
            except Exception:  # the window went away between calls
                continue
        return None

    def stop(self):
        self.x.close()
        self.proc.terminate()
        self.proc.wait(10)


class App:
    """One launch of a desktop app on its own display and home."""

    def __init__(self, binary: str, xvfb: Xvfb, home: Path):
        env = dict(
            os.environ,
            DISPLAY=xvfb.name,
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / "c"),
            XDG_DATA_HOME=str(home / "d"),
            XDG_CACHE_HOME=str(home / "cache"),
            SUDA_NO_KEYCHAIN="1",
        )
        self.started = time.monotonic()
        # The app's own log (and WebKit's): says why, if a process ends.
        self.log = home / "app.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [binary],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.xvfb = xvfb

    def wait_first_paint(self, timeout=60.0) -> float:
        while time.monotonic() - self.started < timeout:
            if self.xvfb.painted_window(self.proc.pid):
                return time.monotonic() - self.started
            if self.proc.poll() is not None:
                raise SystemExit(f"the app exited with {self.proc.returncode}")
            time.sleep(0.005)
        raise SystemExit("no first paint within a minute")

    def wait_quiet(self, timeout=300.0) -> float:
        """Waits until the app's processes use under 2 % of a core for 3 s."""
        hz = os.sysconf("SC_CLK_TCK")
        start = time.monotonic()
        quiet = 0
        last = cpu_ticks(self.proc.pid)
        while time.monotonic() - start < timeout:
            time.sleep(1)
            now = cpu_ticks(self.proc.pid)
            quiet = quiet + 1 if now - last <= 0.02 * hz else 0
            last = now
            if quiet >= 3:
                return time.monotonic() - start
        return time.monotonic() - start

    def stop(self):
        try:
            os.killpg(self.proc.pid, 15)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()


# ------------------------------------------------------------------ scenario


def prepare_home(session: dict | None) -> Path:
    home = Path(tempfile.mkdtemp(prefix="suda-footprint-"))
    if session:
        kept = home / "d" / "app.suda.desktop"
        kept.mkdir(parents=True)
        (kept / "session.json").write_text(json.dumps(session))
    return home


def starts(binary: str, session: dict | None, warm_runs: int) -> tuple[float, bool, list[float]]:
    """(cold first paint s, whether the cache was dropped, warm first paints s)."""
    xvfb = Xvfb()
    try:
        dropped = drop_page_cache()
        times = []
        for _ in range(1 + warm_runs):
            home = prepare_home(session)
            app = App(binary, xvfb, home)
            try:
                times.append(app.wait_first_paint())
            finally:
                app.stop()
        return times[0], dropped, times[1:]
    finally:
        xvfb.stop()


def send_flood(server: Server, token: str, channels: list[str], total: int, connections: int):
    sent = [0] * connections
    errors = []

    def worker(k: int):
        conn = server.connection()
        try:
            for i in range(k, total, connections):
                graphql(
                    conn,
                    "mutation($c: ID!, $m: String!) { sendChatMessage(channelId: $c, message: $m) { id } }",
                    {"c": channels[i % len(channels)], "m": f"message {i} of the footprint run, sent by bob"},
                    token,
                )
                sent[k] += 1
        except Exception as e:  # reported below; the run then does not count
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"sending failed: {errors[0]}")
    return sum(sent)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--suda", required=True)
    p.add_argument("--empty", required=True)
    p.add_argument("--server", required=True)
    p.add_argument("--deb")
    p.add_argument("--settle", type=float, default=8)
    p.add_argument("--starts", type=int, default=3, help="warm starts after the cold one")
    p.add_argument("--channels", type=int, default=50)
    p.add_argument("--messages", type=int, default=100_000)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument(
        "--after", type=float, default=2, help="seconds to wait after the app went quiet before measuring"
    )
    args = p.parse_args()

    # Without a GPU Suda paints its web view on the CPU rather than through
    # software OpenGL (src-tauri/src/drawing.rs); the empty app is made to
    # draw the same way, so the floor is measured as Suda is.
    if "WEBKIT_DISABLE_COMPOSITING_MODE" not in os.environ and not any(Path("/dev/dri").glob("renderD*")):
        os.environ["WEBKIT_DISABLE_COMPOSITING_MODE"] = "1"
    compositing = os.environ.get("WEBKIT_DISABLE_COMPOSITING_MODE", "0") == "0"
    drawing = "composited through OpenGL" if compositing else "painted on the CPU"

    work = Path(tempfile.mkdtemp(prefix="suda-footprint-server-"))
    server = Server(args.server, work)
    try:
        conn = server.connection()
        alice_token, alice_id = sign_in(conn, "alice")
        bob_token, _ = sign_in(conn, "bob")
        channels = load_channels(conn, bob_token, alice_id, args.channels)
        session = {"serverUrl": server.url, "token": alice_token}

        print("start to first paint...", file=sys.stderr)
        e_cold, dropped, e_warm = starts(args.empty, None, args.starts)
        s_cold, _, s_warm = starts(args.suda, session, args.starts)

        print("idle memory...", file=sys.stderr)
        figures = {}
        idle_split, loaded_split = {}, {}
        for name, binary, kept in (("empty", args.empty, None), ("suda", args.suda, session)):
            xvfb = Xvfb()
            app = App(binary, xvfb, prepare_home(kept))
            try:
                app.wait_first_paint()
                time.sleep(args.settle)
                figures[name] = memory(app.proc.pid, idle_split if name == "suda" else None)
                if name == "suda":
                    idle_processes = processes(app.proc.pid)
                    print(f"sending {args.messages} messages to {args.channels} channels...", file=sys.stderr)
                    t0 = time.monotonic()
                    sent = send_flood(server, bob_token, channels, args.messages, args.connections)
                    sending = time.monotonic() - t0
                    quiet = app.wait_quiet()
                    time.sleep(args.after)
                    figures["loaded"] = memory(app.proc.pid, loaded_split)
                    alive = app.proc.poll() is None
                    if not alive:
                        raise SystemExit("footprint: the app exited during the run")
                    same_processes(idle_processes, processes(app.proc.pid), app.log)
            finally:
                app.stop()
                xvfb.stop()
    finally:
        server.stop()

    mib = lambda k: f"{k / 1024:.1f} MiB"  # noqa: E731
    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    ratio = lambda a, b: f"{a / b:.2f}x"  # noqa: E731
    rows = [("figure", "Suda", "empty Tauri app", "ratio")]
    cold_label = "cold start to first paint" if dropped else "first start (cache not dropped)"
    rows.append((cold_label, ms(s_cold), ms(e_cold), ratio(s_cold, e_cold)))
    sw, ew = statistics.median(s_warm), statistics.median(e_warm)
    rows.append((f"warm start to first paint (median of {len(s_warm)})", ms(sw), ms(ew), ratio(sw, ew)))
    (sp, sr, sn), (ep, er, en) = figures["suda"], figures["empty"]
    rows.append((f"idle PSS (after {args.settle:g} s)", mib(sp), mib(ep), ratio(sp, ep)))
    rows.append((f"idle RSS (after {args.settle:g} s)", mib(sr), mib(er), ratio(sr, er)))
    rows.append(("processes", str(sn), str(en), ""))
    s_bin, e_bin = os.path.getsize(args.suda) / 1024, os.path.getsize(args.empty) / 1024
    rows.append(("binary (stripped)", mib(s_bin), mib(e_bin), ratio(s_bin, e_bin)))
    if args.deb:
        rows.append((".deb", mib(os.path.getsize(args.deb) / 1024), "", ""))
    lp, lr, _ = figures["loaded"]
    rows.append(
        (f"PSS after {sent:,} messages in {args.channels} channels", mib(lp), "", f"+{mib(lp - sp)} over idle")
    )
    rows.append(("RSS after them", mib(lr), "", f"+{mib(lr - sr)} over idle"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    split = ", ".join(
        f"{name} {mib(idle_split.get(name, 0))} -> {mib(kib)}" for name, kib in sorted(loaded_split.items())
    )
    print(f"(PSS by process, idle -> after the messages: {split})")
    print(f"(both web views {drawing})")
    print(
        f"(sent in {sending:.1f} s = {sent / sending:,.0f} msg/s; the app was quiet "
        f"{quiet:.1f} s after the last send; still running: {alive})"
    )


if __name__ == "__main__":
    main()
