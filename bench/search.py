#!/usr/bin/env python3
"""Search latency over a large history, from outside the server.

Starts suda-server (release) on a fresh database, signs up the members and
makes the channels through GraphQL, and appends --messages chat messages
straight to its `events` table (texts drawn from an English and Korean
vocabulary, over --channels channels and 4 senders, and one more channel
whose messages are all old), as an older database
without a search index would hold them. Starting a server on it again
makes the index from them (the time is printed), then `searchMessages` is
asked --queries times for each kind of search over HTTP, one request at a
time, and the latency is printed as p50 / p99 with the index's size on
disk.

    bench/search.py --server target/release/suda-server [--messages 1000000]
    bench/search.py --server target/release/suda-server --postgres \
        --cluster target/release/suda-cluster [--messages 1000000]

SQLite: the database file (with its WAL) before and after the index.
PostgreSQL (`--postgres`): a throwaway cluster of the test kit's, durable
(fsync and synchronous commit on), started by `suda-cluster` with one
node; the messages go in with `COPY`, and the sizes are the database's
and `message_terms`' (table, GIN index and TOAST) from PostgreSQL itself.
"""
import argparse
import http.client
import json
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD = "bench-password-1"

ENGLISH = (
    "meeting notes release deploy review design server client search index message channel "
    "question answer today tomorrow lunch coffee build test failure success migration database "
    "backup restore plan draft final budget report customer support ticket bug feature "
    "performance latency memory disk network update schedule holiday weekend morning evening"
).split()
KOREAN = "안녕하세요 회의는 내일 오후에 있습니다 배포 검토 감사합니다 점심 커피 보고서 일정 확인 부탁드립니다".split()
RARE = ["zephyr", "quixotic", "xylophone", "망고빙수"]


class Server:
    def __init__(self, binary: str, database_url: str, log: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(
            [binary, "--listen", f"127.0.0.1:{self.port}", "--database-url", database_url, "--no-limits"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 600
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("suda-server did not start; see " + self.log.name)
            time.sleep(0.05)
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def gql(self, query: str, variables: dict, token: str | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.conn.request("POST", "/graphql", json.dumps({"query": query, "variables": variables}), headers)
        body = json.loads(self.conn.getresponse().read())
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return body["data"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


def sign_up(server: Server, name: str) -> tuple[str, str]:
    d = server.gql(
        "mutation($n:String!,$p:String!){signUp(memberName:$n,password:$p){token member{id}}}",
        {"n": name, "p": PASSWORD},
    )["signUp"]
    return d["token"], d["member"]["id"]


def text(rng: random.Random) -> str:
    words = [rng.choice(ENGLISH) for _ in range(rng.randint(4, 14))]
    if rng.random() < 0.3:
        words += rng.sample(KOREAN, rng.randint(1, 4))
    if rng.random() < 0.001:
        words.append(rng.choice(RARE))
    rng.shuffle(words)
    return " ".join(words)


def rows(channels: list[int], members: list[int], count: int, seed: int):
    """The messages: (channel, sender, text, created_at), 10 ms apart up to now.

    The last channel is quiet lately: it has every 20th of the oldest tenth
    of the messages and none after, so a search in it finds nothing among
    the newest messages (the hardest case for a store that looks newest
    first)."""
    rng = random.Random(seed)
    now = int(time.time() * 1000) - count * 10
    busy, quiet = channels[:-1], channels[-1]
    for i in range(count):
        channel = quiet if i < count // 10 and i % 20 == 0 else busy[i % len(busy)]
        yield channel, members[i % len(members)], text(rng), now + i * 10


def fill(db: Path, channels: list[int], members: list[int], count: int, seed: int):
    con = sqlite3.connect(db)
    batch = []
    for row in rows(channels, members, count, seed):
        batch.append(row)
        if len(batch) == 10_000:
            con.executemany(
                "INSERT INTO events (channel_id, event_type, member_id, message, created_at) VALUES (?, 'CHAT', ?, ?, ?)",
                batch,
            )
            batch.clear()
    if batch:
        con.executemany(
            "INSERT INTO events (channel_id, event_type, member_id, message, created_at) VALUES (?, 'CHAT', ?, ?, ?)",
            batch,
        )
    # As a database from before search: the index is made at the next start.
    con.execute("DELETE FROM message_terms")
    con.execute("UPDATE server_meta SET value = 0 WHERE key = 'search_terms_version'")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def size(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


class Sqlite:
    """The store as a file beside the bench's other files."""

    name = "SQLite, FTS5"

    def __init__(self, work: Path):
        self.db = work / "suda.db"
        self.url = f"sqlite:{self.db}"

    def fill(self, channels, members, count, seed):
        fill(self.db, channels, members, count, seed)

    def sizes(self) -> tuple[int, int]:
        """The database, and the index's part of it (0: not told apart)."""
        return size(self.db), 0

    def close(self):
        pass


class Postgres:
    """A throwaway cluster with one node, from the test kit's suda-cluster."""

    name = "PostgreSQL, tsvector under GIN"

    def __init__(self, work: Path, server: str, cluster: str):
        self.log = open(work / "cluster.log", "ab")
        self.proc = subprocess.Popen(
            [cluster, "--server", server, "--nodes", "1", "--no-nginx", "--durable", "--", "--no-limits"],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.url = None
        for line in self.proc.stdout:
            if line.startswith("POSTGRES "):
                self.url = line.split()[1]
            if line.startswith("READY "):
                break
        if self.url is None:
            raise SystemExit("suda-cluster did not start; see " + self.log.name)

    def psql(self, sql: str, stdin=None) -> str:
        done = subprocess.run(
            ["psql", self.url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"psql: {done.stderr}")
        return done.stdout.strip()

    def fill(self, channels, members, count, seed):
        head = int(self.psql("SELECT seq FROM ledger_head"))
        lines = []
        for i, (channel, member, body, at) in enumerate(rows(channels, members, count, seed)):
            lines.append(f"{head + 1 + i}\t{channel}\tCHAT\t{member}\t{body}\t{at}\n")
        self.psql(
            "COPY events (seq, channel_id, event_type, member_id, message, created_at) FROM STDIN",
            "".join(lines),
        )
        # As a database from before search: the index is made at the next start.
        self.psql(
            f"UPDATE ledger_head SET seq = {head + count}; DELETE FROM message_terms;"
            " UPDATE server_meta SET value = 0 WHERE key = 'search_terms_version'"
        )
        self.psql("VACUUM ANALYZE")

    def sizes(self) -> tuple[int, int]:
        both = self.psql(
            "SELECT pg_database_size(current_database()), pg_total_relation_size('message_terms')"
        )
        database, index = both.split("|")
        return int(database), int(index)

    def close(self):
        self.proc.terminate()
        self.proc.wait(60)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", required=True)
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--channels", type=int, default=20)
    p.add_argument("--queries", type=int, default=200, help="per kind of search")
    p.add_argument("--seed", type=int, default=16)
    p.add_argument("--postgres", action="store_true", help="on PostgreSQL instead of SQLite")
    p.add_argument("--cluster", help="the test kit's suda-cluster binary (with --postgres)")
    args = p.parse_args()
    if args.postgres and not args.cluster:
        p.error("--postgres needs --cluster")

    work = Path(tempfile.mkdtemp(prefix="suda-search-bench-"))
    store = Postgres(work, args.server, args.cluster) if args.postgres else Sqlite(work)
    try:
        run(args, work, store)
    finally:
        store.close()


def run(args, work: Path, store):
    server = Server(args.server, store.url, work / "server.log")
    try:
        tokens, ids = zip(*(sign_up(server, f"member{i}") for i in range(4)))
        channels = [
            server.gql(
                "mutation($n:String!,$m:[ID!]){createGroupChannel(name:$n,memberIds:$m){id}}",
                {"n": f"c{c:02}", "m": list(ids[1:])},
                tokens[0],
            )["createGroupChannel"]["id"]
            for c in range(args.channels + 1)
        ]
    finally:
        server.stop()
    print(f"filling {args.messages:,} messages into {args.channels + 1} channels...", file=sys.stderr)
    t0 = time.monotonic()
    store.fill([int(c) for c in channels], [int(i) for i in ids], args.messages, args.seed)
    print(f"  filled in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    before, _ = store.sizes()

    t0 = time.monotonic()
    server = Server(args.server, store.url, work / "server.log")
    made = time.monotonic() - t0
    after, index = store.sizes()
    rng = random.Random(args.seed + 1)
    member0 = "member0"
    kinds = {
        "one common word": lambda: {"t": rng.choice(ENGLISH)},
        "a prefix (3 letters)": lambda: {"t": rng.choice(ENGLISH)[:3]},
        "two common words": lambda: {"t": " ".join(rng.sample(ENGLISH, 2))},
        "a rare word": lambda: {"t": rng.choice(RARE[:3])},
        "Korean inside a word (안녕)": lambda: {"t": rng.choice(["안녕", "회의", "감사", "하세요"])},
        "a word, from: one member": lambda: {"t": rng.choice(ENGLISH), "f": member0},
        "a word, in: one channel": lambda: {"t": rng.choice(ENGLISH), "c": rng.choice(channels[:-1])},
        "a word, in: a channel quiet lately": lambda: {"t": rng.choice(ENGLISH), "c": channels[-1]},
        "no match": lambda: {"t": "nothingmatchesthis"},
    }
    query = (
        "query($t:String!,$f:String,$c:ID){searchMessages(text:$t,from:$f,channelId:$c,limit:20)"
        "{hits{message{id message} highlights{start length}} hasMore}}"
    )
    rows = []
    try:
        for kind, make in kinds.items():
            times, found = [], []
            for _ in range(args.queries):
                variables = make()
                t = time.perf_counter()
                d = server.gql(query, variables, tokens[1])
                times.append((time.perf_counter() - t) * 1000)
                found.append(len(d["searchMessages"]["hits"]))
            times.sort()
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            rows.append((kind, statistics.median(times), p99, statistics.mean(found)))
    finally:
        server.stop()

    print(f"search over {args.messages:,} messages in {args.channels} channels and a quiet one ({store.name}), "
          f"{args.queries} queries a kind, one at a time over HTTP")
    print(f"index made at start in {made:.1f} s; database {before / 2**20:.1f} MiB without it, "
          f"{after / 2**20:.1f} MiB with it (+{(after - before) / 2**20:.1f} MiB)"
          + (f"; message_terms {index / 2**20:.1f} MiB" if index else ""))
    width = max(len(r[0]) for r in rows)
    print(f"{'search'.ljust(width)}  {'p50 ms':>7}  {'p99 ms':>7}  hits")
    for kind, p50, p99, hits in rows:
        print(f"{kind.ljust(width)}  {p50:7.2f}  {p99:7.2f}  {hits:4.1f}")


if __name__ == "__main__":
    main()
