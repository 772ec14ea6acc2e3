#!/usr/bin/env python3
"""Prints the paths of test binaries that `cargo test` built, read from
`cargo test --no-run --message-format=json` on standard input.

    cargo test --workspace --no-run --message-format=json \
      | scripts/test-binaries.py PACKAGE TARGET [TARGET ...]

TARGET is a test target's name (`it`), or `lib` for the package's unit
tests. Exits non-zero, naming what is missing, unless every TARGET was
found: a rerun that silently ran nothing would pass.
"""
import json
import sys


def package_name(package_id: str) -> str:
    """The name in a package id: `path+file:///w/crates/server#suda-server@0.1.0`,
    `path+file:///w/suda-server#0.1.0` (the directory is the name), or
    `suda-server 0.1.0 (path+file:///...)` before cargo 1.77."""
    if "#" not in package_id:
        return package_id.split(" ", 1)[0]
    path, fragment = package_id.split("#", 1)
    if "@" in fragment:
        return fragment.split("@", 1)[0]
    return path.rstrip("/").rsplit("/", 1)[-1]


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    package, wanted = sys.argv[1], sys.argv[2:]
    found = {}
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if message.get("reason") != "compiler-artifact" or not message.get("executable"):
            continue
        if not message.get("profile", {}).get("test"):
            continue
        if package_name(message.get("package_id", "")) != package:
            continue
        target = message["target"]
        key = "lib" if "lib" in target["kind"] else target["name"]
        if key in wanted:
            found[key] = message["executable"]
    missing = [t for t in wanted if t not in found]
    if missing:
        print(f"no test binary for {package}: {', '.join(missing)}", file=sys.stderr)
        return 1
    for t in wanted:
        print(found[t])
    return 0


if __name__ == "__main__":
    sys.exit(main())
