#!/usr/bin/env python3
"""What each part of the installed skiff executable costs, from the linker's map.

Usage: scripts/size-report.py MAP [--top N]

MAP is the map lld writes when scripts/build-release.sh runs with SKIFF_LINK_MAP=MAP. Every input section
that ends up in a loaded segment of the executable is charged to where it came from:
  - an object file SwiftPM compiled: its module (`APIServer.build/Foo.swift.o` -> APIServer), and the
    module's package from the build's checkouts (or "skiff" for this repository's own modules);
  - a member of a static archive: the archive (`libFoundationInternationalization.a`, `lib_FoundationICU.a`,
    `libswiftCore.a`, libc's `libc_nonshared.a`, ...);
  - the linker's own sections (`<internal>`: relocations, the dynamic symbol table, ...).
Debug information, symbol tables and other sections that the stripped bin/skiff does not keep are left out,
so the total is what `size` reports for bin/skiff, give or take the alignment padding between sections.
Prints one table per grouping (package, module or archive, and kind of section), largest first, in MB.
"""
import collections
import glob
import os
import re
import sys

# Output sections that stripping removes or that are never loaded.
NOT_INSTALLED = re.compile(r"^\.(debug|comment|symtab|strtab|shstrtab|note\.gnu\.gold|gnu_debuglink)")

# Swift runtime and toolchain archives, named for the reader.
TOOLCHAIN = {
    "lib_FoundationICU.a": "ICU (Foundation's copy: code + locale data tables)",
    "libFoundationInternationalization.a": "Foundation: Internationalization",
    "libFoundationEssentials.a": "Foundation: Essentials",
    "libFoundation.a": "Foundation (swift-corelibs)",
    "libFoundationNetworking.a": "Foundation: Networking",
    "libFoundationXML.a": "Foundation: XML",
    "libswiftCore.a": "Swift standard library",
    "libswift_RegexParser.a": "Swift regex parser",
    "libswift_StringProcessing.a": "Swift string processing (Regex)",
    "libswift_Concurrency.a": "Swift concurrency runtime",
    "libdispatch.a": "libdispatch",
    "libBlocksRuntime.a": "Blocks runtime",
    "libswiftDispatch.a": "Dispatch (Swift overlay)",
    "libswiftSynchronization.a": "Synchronization",
    "libswiftObservation.a": "Observation",
    "libswift_Volatile.a": "Volatile",
    "libswiftGlibc.a": "Glibc overlay",
    "libswift_Builtin_float.a": "Builtin float",
    "libswift_math.a": "math overlay",
}


def kind(section):
    if section.startswith(".text") or section in (".init", ".fini", ".plt", ".iplt"):
        return "code (.text)"
    if section.startswith(".rodata") or section.startswith(".eh_frame") or section == ".gcc_except_table":
        return "read-only data (.rodata, unwind tables)"
    if section.startswith("swift5_"):
        return "Swift metadata (swift5_*)"
    if section.startswith(".data.rel.ro") or section in (".init_array", ".fini_array", ".got", ".got.plt", ".dynamic"):
        return "relocated read-only data (.data.rel.ro, .got)"
    if section.startswith(".data") or section.startswith(".tdata"):
        return "writable data (.data)"
    if section.startswith(".bss") or section.startswith(".tbss"):
        return "zero-filled (.bss, no file space)"
    return "linker tables (.dynsym, .rela, .relr, ...)"


def origin(path, packages_of_module):
    """(package, part) an input file belongs to."""
    member = re.match(r"^(.*/)?([^/()]+\.a)\((.*)\)$", path)
    if member:
        archive = member.group(2)
        toolchain = archive in TOOLCHAIN or "/swift_static/" in path
        return ("Swift toolchain" if toolchain else "system libraries", TOOLCHAIN.get(archive, archive))
    # A module's objects sit in <Module>.build/, C targets' in subfolders of it.
    module = re.search(r"/release/([^/]+)\.build/", path)
    if module:
        name = module.group(1)
        return (packages_of_module.get(name, "skiff (this repository)"), name)
    if path.startswith("<internal>"):
        return ("linker", "linker-made sections")
    return ("system libraries", path.rsplit("/", 1)[-1])


def packages():
    """Module -> package, from the checkouts' paths that appear in the map (SwiftPM compiles a
    dependency's module into `<scratch>/<triple>/release/<Module>.build/`, so the map alone does not
    say which package a module is from; the sources under `checkouts/<package>/Sources/<Module>` do)."""
    result = {}
    for checkout in sorted(glob.glob(".build*/checkouts/*")):
        package = os.path.basename(checkout)
        for depth in ("*", "*/*", "*/*/*"):
            for folder in glob.glob(os.path.join(checkout, depth)):
                if os.path.isdir(folder):
                    result.setdefault(os.path.basename(folder), package)
    # This repository's own modules win over a dependency's folder of the same name.
    for own in glob.glob("Sources/*"):
        result[os.path.basename(own)] = "skiff (this repository)"
    return result


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    top = 15
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i:i + 2]
    by_package = collections.Counter()
    by_part = collections.Counter()
    by_kind = collections.Counter()
    by_kind_of_part = collections.defaultdict(collections.Counter)
    module_packages = packages()
    out = None
    line_re = re.compile(r"^\s*([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+(\d+)( +)(.*)$")
    with open(args[0], errors="replace") as f:
        next(f, None)  # header
        for line in f:
            m = line_re.match(line)
            if not m:
                continue
            vma, size, indent, rest = int(m.group(1), 16), int(m.group(3), 16), len(m.group(5)), m.group(6)
            if indent == 1:  # an output section
                out = None if (vma == 0 or NOT_INSTALLED.match(rest)) else rest.strip()
                continue
            if out is None or indent != 9 or size == 0:
                continue  # a symbol line, or a section the installed binary does not have
            path = rest.rsplit(":(", 1)[0]
            package, part = origin(path, module_packages)
            k = kind(out)
            if k.startswith("zero-filled"):
                by_kind[k] += size
                continue
            by_package[package] += size
            by_part[(package, part)] += size
            by_kind[k] += size
            by_kind_of_part[(package, part)][k] += size
    total = sum(by_package.values())
    mb = lambda n: f"{n / 1e6:8.1f}"
    print(f"file space of the loaded sections: {total / 1e6:.1f} MB (zero-filled .bss not counted)\n")
    print("| package | MB | share |\n| --- | ---: | ---: |")
    for name, n in by_package.most_common():
        print(f"| {name} | {mb(n)} | {100 * n / total:4.1f}% |")
    print(f"\n| part (top {top}) | package | MB | of which code |\n| --- | --- | ---: | ---: |")
    for (package, part), n in by_part.most_common(top):
        code = by_kind_of_part[(package, part)]["code (.text)"]
        print(f"| {part} | {package} | {mb(n)} | {mb(code)} |")
    print("\n| kind of section | MB |\n| --- | ---: |")
    for name, n in by_kind.most_common():
        print(f"| {name} | {mb(n)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
