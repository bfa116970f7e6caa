#!/usr/bin/env bash
# The release build of skiff, as scripts/up.sh, the benchmarks and scripts/gen-order-file.sh make it:
#   --static-swift-stdlib     the Swift runtime and Foundation linked in: no libswiftCore/libFoundation
#                             shared objects whose whole start-up paths every process would map
#   -function-sections        every function (Swift and C) in its own section, so that the linker can
#                             place them in the order of scripts/ordering/skiff.order: the code that the
#                             long-running components run sits together, instead of being spread over
#                             the 40 MB of text where each page touched drags 64 KiB into the resident set
#   --version-script          nothing exported: the static runtime's link arguments ask for
#                             --export-dynamic, which would put ~240,000 symbols (7 MB) in the dynamic
#                             symbol table that the loader then searches for every libc relocation
# Arguments are passed on to `swift build`. SKIFF_ORDER_FILE=none links in the default order;
# SKIFF_SCRATCH sets the build directory (default .build).
# The installed executable is bin/skiff: the build's skiff with every symbol stripped (234 MB → 92 MB), its
# debug information kept beside it in bin/skiff.debug, which gdb, perf and crash reports find through the
# .gnu_debuglink section.
set -euo pipefail
cd "$(dirname "$0")/.."
order=${SKIFF_ORDER_FILE:-$PWD/scripts/ordering/skiff.order}
link=(-Xlinker --version-script=$PWD/scripts/ordering/exports.map)
if [ "$order" != none ] && [ -f "$order" ]; then
  link+=(-Xlinker --symbol-ordering-file="$order" -Xlinker --no-warn-symbol-ordering
         -Xlinker -T -Xlinker "$PWD/scripts/ordering/unnamed.ld")
fi
# SKIFF_LINK_MAP=FILE writes the linker's map there: every input section, its size and the object or
# archive member it came from, which scripts/size-report.py sums per module (docs/binary-size.md).
if [ -n "${SKIFF_LINK_MAP:-}" ]; then link+=(-Xlinker -Map="$SKIFF_LINK_MAP"); fi
flags=(-c release --scratch-path "${SKIFF_SCRATCH:-.build}" --static-swift-stdlib -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections "${link[@]}" "$@")
# The build system does not know the order file: a binary older than it is removed, so it is linked again.
bin=$(swift build "${flags[@]}" --show-bin-path)/skiff
if [ -f "$bin" ] && [ -f "$order" ] && [ "$order" -nt "$bin" ]; then rm -f "$bin"; fi
swift build "${flags[@]}" --product skiff
mkdir -p bin
objcopy --only-keep-debug "$bin" bin/skiff.debug
objcopy --strip-all --add-gnu-debuglink=bin/skiff.debug "$bin" bin/skiff.tmp
mv bin/skiff.tmp bin/skiff
echo "installed bin/skiff ($(du -m bin/skiff | cut -f1) MB; debug information in bin/skiff.debug)"
