#!/usr/bin/env python3
"""Waits until the machine is quiet enough for a run whose figures count.

    quiet.py [--load 0.7] [--max-wait 1200] [--exclude PID ...]

Quiet means both:
  - the 1-minute load average is below --load;
  - no builder or server of anyone else's (cargo, rustc, cc, ld,
    postgres, suda-server, suda-bench, nginx, node) used more than 5 % of
    a core over the last 2 seconds (processes in --exclude and their
    children are this run's own).
Prints one line, `load <1 5 15> after <N> s wait` (with `NOT QUIET` when
--max-wait seconds passed first), for the run's record; exits 0 either
way (a run that waited its fill goes on, and says so).
"""
import argparse
import os
import sys
import time

WATCHED = ("cargo", "rustc", "cc", "cc1", "cc1plus", "ld", "ld.lld", "collect2",
           "postgres", "suda-server", "suda-bench", "suda-cluster", "nginx", "node")


def stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    name = s[s.index("(") + 1:s.rindex(")")]
    fields = s[s.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return name, int(fields[1]), int(fields[11]) + int(fields[12])


def processes():
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            s = stat(int(entry))
            if s:
                out[int(entry)] = s
    return out


def own(pids, all_processes):
    mine = set(pids)
    grew = True
    while grew:
        grew = False
        for pid, (_, ppid, _) in all_processes.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                grew = True
    return mine


def busy_others(exclude):
    tick = os.sysconf("SC_CLK_TCK")
    first = processes()
    time.sleep(2)
    second = processes()
    mine = own(exclude + [os.getpid()], second)
    busy = []
    for pid, (name, _, ticks) in second.items():
        if pid in mine or pid not in first or not name.startswith(WATCHED):
            continue
        share = (ticks - first[pid][2]) / tick / 2
        if share > 0.05:
            busy.append("%s[%d] %.0f%%" % (name, pid, share * 100))
    return busy


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--load", type=float, default=0.7)
    p.add_argument("--max-wait", type=float, default=1200)
    p.add_argument("--exclude", type=int, nargs="*", default=[])
    a = p.parse_args()
    start = time.time()
    while True:
        load = os.getloadavg()
        busy = busy_others(a.exclude)
        waited = time.time() - start
        if load[0] < a.load and not busy:
            print("load %.2f %.2f %.2f after %.0f s wait" % (load + (waited,)))
            return
        if waited > a.max_wait:
            print("NOT QUIET: load %.2f %.2f %.2f after %.0f s wait; busy: %s"
                  % (load + (waited, ", ".join(busy) or "none")))
            return
        print("waiting for a quiet machine: load %.2f; busy: %s"
              % (load[0], ", ".join(busy) or "none"), file=sys.stderr)
        time.sleep(8)


main()
