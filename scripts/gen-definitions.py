#!/usr/bin/env python3
"""Generate Sources/APIMachinery/Resources/definitions.json from the published Kubernetes v1.32 schema.

Exact command (run from the repository root, with `pip install kubernetes-validate==1.37.0` done once):

    python3 scripts/gen-definitions.py

It reads kubernetes-validate 1.37.0's
`kubernetes_validate/kubernetes-json-schema/v1.32.0-local/_definitions.json` (JSON Schema: definitions under
`$defs`, refs `#/$defs/NAME`, nullable types `["string", "null"]`) and writes the definitions Skiff needs in the
OpenAPI v3 form kube-apiserver serves under `components.schemas`:

- `{"$ref": "#/components/schemas/NAME"}`; a ref with siblings (description, patch strategy, ...) becomes
  `{"allOf": [{"$ref": ...}], <siblings>}` as upstream's v3 documents write it;
- nullable unions collapse to the single non-null type;
- IntOrString and Quantity are upstream's v3 definitions (`oneOf` with `format: int-or-string` for IntOrString),
  plus `x-kubernetes-int-or-string: true` on IntOrString so strict validation and merge code recognise it;
- the `enum` the json-schema generator added to every `apiVersion`/`kind` property is dropped: upstream has
  none, and `kubectl explain` would print it;
- every `x-kubernetes-*` annotation, `required`, `format` and `description` is kept.

Only definitions reachable from the served kinds are written: every kind (and its List) in
Sources/Registry/ResourceInfo.swift `Catalog.resources`, the kinds its subresources answer with, and the meta/v1
kinds the API paths use (Status, DeleteOptions, WatchEvent, Patch, discovery lists). `kinds` maps each
group/version/kind of those definitions (for the served and subresource group-versions) to its definition name.
Output is deterministic: sorted keys, sorted `kinds`.
"""

import argparse
import hashlib
import importlib.metadata
import json
import os
import re
import sys

PACKAGE = "kubernetes-validate"
PACKAGE_VERSION = "1.37.0"
SCHEMA_RELPATH = "kubernetes-json-schema/v1.32.0-local/_definitions.json"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOG = os.path.join(ROOT, "Sources/Registry/ResourceInfo.swift")
OUTPUT = os.path.join(ROOT, "Sources/APIMachinery/Resources/definitions.json")

SRC_REF = "#/$defs/"
DST_REF = "#/components/schemas/"

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
# Kinds every group-version's paths refer to besides the served ones.
EXTRA_ROOTS = [
    META + "Status",
    META + "DeleteOptions",
    META + "WatchEvent",
    META + "Patch",
    META + "APIResourceList",
    META + "APIGroupList",
    META + "APIGroup",
    META + "APIVersions",
]

INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"

# Upstream's v3 definitions for the two types the json-schema generator rewrites (text copied from
# kube-apiserver's published api/openapi-spec/v3 documents).
UPSTREAM_OVERRIDES = {
    INT_OR_STRING: {
        "description": "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML "
        "marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for "
        "example, a JSON field that can accept a name or number.",
        "format": "int-or-string",
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "x-kubernetes-int-or-string": True,
    },
    QUANTITY: {
        "description": "Quantity is a fixed-point representation of a number. It provides convenient "
        "marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.\n\nThe "
        "serialization format is:\n\n``` <quantity>        ::= <signedNumber><suffix>\n\n\t(Note that <suffix> "
        "may be empty, from the \"\" case in <decimalSI>.)\n\n<digit>           ::= 0 | 1 | ... | 9 <digits>     "
        "     ::= <digit> | <digit><digits> <number>          ::= <digits> | <digits>.<digits> | <digits>. | "
        ".<digits> <sign>            ::= \"+\" | \"-\" <signedNumber>    ::= <number> | <sign><number> <suffix>  "
        "        ::= <binarySI> | <decimalExponent> | <decimalSI> <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | "
        "Ei\n\n\t(International System of units; See: http://physics.nist.gov/cuu/Units/binary.html)\n\n"
        "<decimalSI>       ::= m | \"\" | k | M | G | T | P | E\n\n\t(Note that 1024 = 1Ki but 1000 = 1k; I "
        "didn't choose the capitalization.)\n\n<decimalExponent> ::= \"e\" <signedNumber> | \"E\" <signedNumber> "
        "```\n\nNo matter which of the three exponent forms is used, no quantity may represent a number greater "
        "than 2^63-1 in magnitude, nor may it have more than 3 decimal places. Numbers larger or more precise "
        "will be capped or rounded up. (E.g.: 0.1m will rounded up to 1m.) This may be extended in the future if "
        "we require larger or smaller quantities.\n\nWhen a Quantity is parsed from a string, it will remember "
        "the type of suffix it had, and will use the same type again when it is serialized.\n\nBefore "
        "serializing, Quantity will be put in \"canonical form\". This means that Exponent/suffix will be "
        "adjusted up or down (with a corresponding increase or decrease in Mantissa) such that:\n\n- No "
        "precision is lost - No fractional digits will be emitted - The exponent (or suffix) is as large as "
        "possible.\n\nThe sign will be omitted unless the number is negative.\n\nExamples:\n\n- 1.5 will be "
        "serialized as \"1500m\" - 1.5Gi will be serialized as \"1536Mi\"\n\nNote that the quantity will NEVER "
        "be internally represented by a floating point number. That is the whole point of this exercise.\n\n"
        "Non-canonical values will still parse as long as they are well formed, but will be re-emitted in their "
        "canonical form. (So always use canonical form, or don't diff.)\n\nThis format is intended to make it "
        "difficult to use these numbers without writing some sort of special handling code in the hopes that "
        "that will cause implementors to also use a fixed point implementation.",
        "oneOf": [{"type": "string"}, {"type": "number"}],
    },
}

# Keys whose value is one schema, a list of schemas, or a map of name -> schema.
SCHEMA_KEYS = {"items", "not"}
SCHEMA_LIST_KEYS = {"allOf", "anyOf", "oneOf"}
SCHEMA_MAP_KEYS = {"properties", "patternProperties"}


def default_source():
    import kubernetes_validate  # noqa: PLC0415 - only needed when no --source is given

    version = importlib.metadata.version(PACKAGE)
    if version != PACKAGE_VERSION:
        sys.exit(f"{PACKAGE} {version} is installed; this script is pinned to {PACKAGE_VERSION}")
    return os.path.join(os.path.dirname(kubernetes_validate.__file__), SCHEMA_RELPATH)


def served_kinds(catalog_path):
    """(group, version, kind) of every resource in Catalog.resources and of every subresource's kind."""
    text = open(catalog_path, encoding="utf-8").read()
    body = text[text.index("public static let resources"):]
    resources = re.findall(
        r'group:\s*"([^"]*)",\s*version:\s*"([^"]*)",\s*resource:\s*"[^"]*",\s*kind:\s*"([^"]*)"', body)
    subresources = [
        (g or "", v or "v1", k)
        for g, v, k in re.findall(
            r'\.init\(name:\s*"[^"]+"(?:,\s*group:\s*"([^"]*)")?(?:,\s*version:\s*"([^"]*)")?,\s*kind:\s*"([^"]+)"',
            body)
    ]
    if not resources:
        sys.exit(f"no ResourceInfo entries found in {catalog_path}")
    return resources, subresources


def convert(schema, top_level=False):
    """One JSON-Schema node → upstream's OpenAPI v3 form."""
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "$ref":
            assert value.startswith(SRC_REF), value
            out[key] = DST_REF + value[len(SRC_REF):]
        elif key == "type" and isinstance(value, list):
            types = [t for t in value if t != "null"]
            assert len(types) == 1, schema
            out[key] = types[0]
        elif key in SCHEMA_KEYS:
            out[key] = convert(value)
        elif key == "additionalProperties":
            out[key] = convert(value) if isinstance(value, dict) else value
        elif key in SCHEMA_LIST_KEYS:
            out[key] = [convert(v) for v in value]
        elif key in SCHEMA_MAP_KEYS:
            out[key] = {name: convert(v) for name, v in value.items()}
            if top_level and key == "properties":
                for name in ("apiVersion", "kind"):
                    if name in out[key]:
                        out[key][name].pop("enum", None)
        else:
            out[key] = value
    if "$ref" in out and len(out) > 1:
        ref = out.pop("$ref")
        out = {"allOf": [{"$ref": ref}], **out}
    return out


def references(schema, found):
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value[len(DST_REF):])
            else:
                references(value, found)
    elif isinstance(schema, list):
        for value in schema:
            references(value, found)


def closure(definitions, roots):
    seen = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        if name not in definitions:
            sys.exit(f"definition {name} is referenced but missing from the source")
        seen.add(name)
        refs = set()
        references(definitions[name], refs)
        stack.extend(refs - seen)
    return seen


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", help="path of _definitions.json (default: the installed package's)")
    parser.add_argument("--output", default=OUTPUT)
    args = parser.parse_args()

    source = args.source or default_source()
    raw_bytes = open(source, "rb").read()
    raw = json.loads(raw_bytes)["$defs"]

    definitions = {name: convert(schema, top_level=True) for name, schema in raw.items()}
    for name, override in UPSTREAM_OVERRIDES.items():
        definitions[name] = override

    by_gvk = {}
    for name, schema in definitions.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            key = (gvk["group"], gvk["version"], gvk["kind"])
            if key in by_gvk and by_gvk[key] != name:
                sys.exit(f"{key} is claimed by both {by_gvk[key]} and {name}")
            by_gvk[key] = name

    resources, subresources = served_kinds(CATALOG)
    roots = set(EXTRA_ROOTS)
    group_versions = {("", "v1")}
    for group, version, kind in resources:
        group_versions.add((group, version))
        if (group, version, kind) not in by_gvk:
            sys.exit(f"no definition for {group}/{version} {kind}")
        roots.add(by_gvk[(group, version, kind)])
        # Create-only resources (bindings) have no List kind.
        if (group, version, kind + "List") in by_gvk:
            roots.add(by_gvk[(group, version, kind + "List")])
    for group, version, kind in subresources:
        # Connect options (PodExecOptions, ...) have no published schema; their paths carry no body.
        if (group, version, kind) in by_gvk:
            group_versions.add((group, version))
            roots.add(by_gvk[(group, version, kind)])

    kept = closure(definitions, roots)
    kinds = sorted(
        ({"group": g, "version": v, "kind": k, "definition": name}
         for (g, v, k), name in by_gvk.items() if name in kept and (g, v) in group_versions),
        key=lambda e: (e["group"], e["version"], e["kind"]))

    document = {
        "source": f"{PACKAGE} {PACKAGE_VERSION}: kubernetes_validate/{SCHEMA_RELPATH} "
                  f"(sha256 {hashlib.sha256(raw_bytes).hexdigest()}), converted by scripts/gen-definitions.py",
        "definitions": {name: definitions[name] for name in sorted(kept)},
        "kinds": kinds,
    }
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(kept)} definitions and {len(kinds)} kinds to {os.path.relpath(args.output, ROOT)}")


if __name__ == "__main__":
    main()
