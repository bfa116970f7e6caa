#!/usr/bin/env python3
"""Turns page traces (trace-pages.c) of skiff binaries into an lld symbol ordering file: every function some
skiff process ran, grouped so that each long-running component's code sits together.

Usage: make-order.py TRACED_BINARY TRACE_DIR > skiff.order

TRACED_BINARY is linked with subalign.ld, so each traced page names one function. Pages of private
functions (no symbol; unnamed.ld places them) are skipped.

Functions run by more components come first (the runtime, NIO, the HTTP client, ...), then those of one
component, each component's together; short-lived CLI commands' own code comes last. A process then maps
the pages of code it runs and few others: the kernel maps up to 64 KiB around every faulting code page
(fault-around), so scattered hot functions would each drag their neighbours into the resident set."""
import bisect, collections, os, subprocess, sys

# Which component a traced process was, from its command line ("skiff kubelet ..." -> "kubelet").
LONG_RUNNING = ["apiserver", "scheduler", "controller-manager", "kubelet", "proxy", "dns", "supervise"]


def traces(trace_dir):
    """(component, [file offsets of the code pages it ran]) for each traced process."""
    for entry in sorted(os.listdir(trace_dir)):
        if not entry.startswith("trace."):
            continue
        pid = entry.split(".", 1)[1]
        args = open(os.path.join(trace_dir, f"cmd.{pid}"), "rb").read().split(b"\0")
        name = args[1].decode() if len(args) > 1 else "?"
        data = open(os.path.join(trace_dir, entry), "rb").read()
        yield (name if name in LONG_RUNNING else "cli"), [int.from_bytes(data[i:i + 8], "little") for i in range(0, len(data) - 7, 8)]


class Binary:
    """A linked skiff: its text symbols by address, and file offsets mapped to addresses."""

    def __init__(self, path):
        self.loads = []
        for line in subprocess.run(["readelf", "-lW", path], capture_output=True, text=True, check=True).stdout.splitlines():
            f = line.split()
            if f and f[0] == "LOAD":
                self.loads.append((int(f[1], 16), int(f[2], 16), int(f[4], 16)))
        self.symbols = []  # (address, size, name), by address; aliases share an address
        for line in subprocess.run(["nm", "-n", "-S", "--defined-only", path], capture_output=True, text=True, check=True).stdout.splitlines():
            f = line.split(None, 3)
            if len(f) == 4 and f[2] in "tTwW":
                self.symbols.append((int(f[0], 16), int(f[1], 16), f[3]))
        self.addresses = [s[0] for s in self.symbols]

    def address(self, offset):
        # Traces hold page-aligned offsets; segments need not start on a page, so compare pages.
        for o, v, size in self.loads:
            if o & ~4095 <= offset < o + size:
                return offset - (o & ~4095) + (v & ~4095)
        return None

    def containing(self, address):
        """The symbols at the last address at or before this one."""
        k = bisect.bisect_right(self.addresses, address) - 1
        if k < 0:
            return []
        start = self.addresses[k]
        aliases = self.symbols[bisect.bisect_left(self.addresses, start):k + 1]
        # Past the function's last page: a private function (no symbol, see unnamed.ld) has this page.
        if address >= start + (max(s[1] for s in aliases) + 4095) // 4096 * 4096:
            return []
        return [s[2] for s in aliases]


users = collections.defaultdict(set)  # function name -> components that ran it
first = collections.OrderedDict()     # function name -> address in the traced binary (a stable tie-break)

traced = Binary(sys.argv[1])
for who, offsets in traces(sys.argv[2]):
    for off in offsets:
        address = traced.address(off)
        if address is None:
            continue
        for name in traced.containing(address):
            users[name].add(who)
            first.setdefault(name, address)

rank = {c: i for i, c in enumerate(LONG_RUNNING + ["cli"])}


def key(name):
    who = users[name]
    return (who == {"cli"}, -len(who - {"cli"}), sorted(rank[c] for c in who), first[name])


for name in sorted(users, key=key):
    print(name)
counts = collections.Counter(frozenset(w) for w in users.values())
print(f"{len(users)} functions ordered; by component set:", file=sys.stderr)
for who, n in counts.most_common(12):
    print(f"  {n:6d} {' '.join(sorted(who))}", file=sys.stderr)
