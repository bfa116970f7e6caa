#!/usr/bin/env bash
# Fails when scripts/ordering/skiff.order has gone stale beyond a stated share (run by scripts/test.sh).
#
# The order file names the functions the components ran when it was traced (scripts/gen-order-file.sh); the
# release link places them together, which is about a quarter of an idle control plane's RSS (the table in
# docs/benchmarks.md, "Memory: code laid out by what runs"). A function renamed, moved or deleted since then
# is named in vain, and its successor lands among the cold code. This check reads the symbols of a build of
# today's sources (the debug build CI has anyway; every plain Swift function has the same mangled name there)
# and counts the order file's plain Swift functions — not specializations or merged thunks, which only a
# release build makes — that no longer exist. Over MAX_STALE_PERCENT (default 5) it fails: rerun
# scripts/gen-order-file.sh (root, a release build and a few minutes) and commit the file.
#
# What it cannot see: functions new since the trace that have become hot; the regeneration after large
# changes covers those.
#
# Usage: scripts/check-order-file.sh BINARY
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:?usage: check-order-file.sh BINARY}
max=${MAX_STALE_PERCENT:-5}
python3 - "$ROOT/scripts/ordering/skiff.order" "$bin" "$max" <<'PY'
import re, subprocess, sys
order_path, binary, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
defined = set(subprocess.run(["nm", "--defined-only", "--format=just-symbols", binary],
                             check=True, capture_output=True, text=True).stdout.split())
# Plain Swift functions: mangled `$s...`, no generic/function-signature specialization (Tg5, TG5, Tf...),
# no merged-function (Tm) or outlined copies (WOc, WOh, ...), which depend on the optimizer.
# Only functions of skiff's own modules and its packages: the toolchain's (Swift, Foundation, Dispatch) are
# linked statically in the release build but come from shared libraries in the debug one.
special = re.compile(r"T[gG]q?5|Tf[0-9a-zA-Z_]|Tt\d*g|Tm$|WO[a-z]|TA(?:\.\d+)?$|Tu$|TQ\d*_$|TY\d*_$")
toolchain = {"Swift", "Foundation", "FoundationEssentials", "FoundationInternationalization", "Dispatch",
             "_Concurrency", "_StringProcessing", "Synchronization", "Glibc", "SwiftGlibc", "XCTest", "Testing",
             "_FoundationCShims", "CoreFoundation", "_RegexParser"}

def module(symbol):
    m = re.match(r"\$s(\d+)", symbol)
    if not m:
        return None  # a standard substitution (`$ss`, `$sSa`, ...): the Swift library's own types
    n = int(m.group(1))
    start = m.end()
    return symbol[start:start + n]

plain = [s for s in open(order_path).read().split()
         if s.startswith("$s") and not special.search(s) and module(s) not in (None, *toolchain)]
gone = [s for s in plain if s not in defined]
share = 100.0 * len(gone) / max(1, len(plain))
print(f"order file: {len(gone)} of {len(plain)} plain Swift functions it names are gone from {binary} ({share:.1f}%, limit {limit:g}%)")
if share > limit:
    for s in gone[:20]:
        print("  gone:", s)
    print("order file: stale; rerun scripts/gen-order-file.sh and commit scripts/ordering/skiff.order")
    sys.exit(1)
PY
