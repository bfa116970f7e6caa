#!/usr/bin/env python3
"""Generates Sources/APIMachinery/Resources/protobuf-fields.json from the kubectl 1.32 binary.

Source: /usr/lib/google-cloud-sdk/bin/kubectl.1.32 ("Client Version: v1.32.5", Go BuildID
7DigBqIr8gS1Fi5Yeq7I/CX7i7OQ-kKhicf2-pN4M/cDEY9jFlIbTKXCLuEZGa/cIMjfioKs2xqhX0gTiOe), a stripped static
x86-64 ELF Go binary. Not the `kubectl` dispatcher beside it.

Command (from the repository root; needs only the Python 3 standard library):

    python3 scripts/gen-protobuf-fields.py /usr/lib/google-cloud-sdk/bin/kubectl.1.32 \
        Sources/APIMachinery/Resources/protobuf-fields.json Sources/APIMachinery/Resources/json-field-order.txt

It writes two files: protobuf-fields.json (below) and json-field-order.txt, the order encoding/json writes
each API struct's fields in (see write_field_order), which the API server's JSON writer follows.

Why two sources inside the one binary:

1. gogo-protobuf registers every generated.proto as a gzipped FileDescriptorProto (proto.RegisterFile).
   Those give the wire facts: field numbers, wire types, repeated, message types, map entry key/value types.
2. Kubernetes clients build the protobuf body from Go structs, and the JSON that `kubectl ... -o json`
   prints comes from the same structs through encoding/json. What JSON a decoded body stands for therefore
   depends on Go facts no descriptor holds: the JSON name (`json:"name"`), `omitempty`, whether the Go field
   is a pointer (a pointer field is on the wire only when set, so `replicas: 0` must survive; a plain field is
   always on the wire, so its zero means "unset" unless the field lacks omitempty), and embedded structs that
   encoding/json inlines (Volume.VolumeSource, Probe.ProbeHandler, ...). The Go runtime type metadata reached
   from the .typelink section keeps every struct's field names, kinds and tags (`protobuf:"varint,1,opt,..."`),
   which tie each Go field to its proto field number.

Output shape (one message per line so diffs stay readable):

    {"source": "...",
     "packages": {"v1": "k8s.io.api.core.v1", "apps/v1": "k8s.io.api.apps.v1", ...},   # apiVersion -> proto package
     "messages": {"k8s.io.api.core.v1.ConfigMap": {"fields": {"1": {...}, ...}}, ...}}

A field: {"name": JSON name, "type": scalar type | "message" | "map", "message": full message name,
"repeated": true, "key"/"value"/"valueMessage": map entry types, "omitempty": true, "pointer": true,
"inline": true}; absent flags are false. A message that embeds TypeMeta (a kind a client can send) has "kind": true. A message may carry "special": one of time, microTime, duration,
quantity, intOrString, rawExtension, fieldsV1 (types with their own JSON form) or items (a Go named slice
type such as meta/v1 Verbs, whose proto message wraps the list in field 1 `items`).
"""

import json
import re
import struct
import sys
import zlib

# API group versions Skiff decodes (the brief's groups plus the other targets of `kubectl create`),
# with the apiVersion string clients put in the Unknown envelope's typeMeta.
API_PACKAGES = {
    "v1": "k8s.io/api/core/v1",
    "apps/v1": "k8s.io/api/apps/v1",
    "authentication.k8s.io/v1": "k8s.io/api/authentication/v1",
    "autoscaling/v1": "k8s.io/api/autoscaling/v1",
    "autoscaling/v2": "k8s.io/api/autoscaling/v2",
    "batch/v1": "k8s.io/api/batch/v1",
    "coordination.k8s.io/v1": "k8s.io/api/coordination/v1",
    "discovery.k8s.io/v1": "k8s.io/api/discovery/v1",
    "networking.k8s.io/v1": "k8s.io/api/networking/v1",
    "policy/v1": "k8s.io/api/policy/v1",
    "rbac.authorization.k8s.io/v1": "k8s.io/api/rbac/v1",
    "scheduling.k8s.io/v1": "k8s.io/api/scheduling/v1",
    "meta.k8s.io/v1": "k8s.io/apimachinery/pkg/apis/meta/v1",
    # Every other group of k8s.io/api in kubectl 1.32: its GA version, or its newest one where it has none.
    "admission.k8s.io/v1": "k8s.io/api/admission/v1",
    "admissionregistration.k8s.io/v1": "k8s.io/api/admissionregistration/v1",
    "apidiscovery.k8s.io/v2": "k8s.io/api/apidiscovery/v2",
    "authorization.k8s.io/v1": "k8s.io/api/authorization/v1",
    "certificates.k8s.io/v1": "k8s.io/api/certificates/v1",
    "events.k8s.io/v1": "k8s.io/api/events/v1",
    "flowcontrol.apiserver.k8s.io/v1": "k8s.io/api/flowcontrol/v1",
    "imagepolicy.k8s.io/v1alpha1": "k8s.io/api/imagepolicy/v1alpha1",
    "internal.apiserver.k8s.io/v1alpha1": "k8s.io/api/apiserverinternal/v1alpha1",
    "node.k8s.io/v1": "k8s.io/api/node/v1",
    "resource.k8s.io/v1beta1": "k8s.io/api/resource/v1beta1",
    "storage.k8s.io/v1": "k8s.io/api/storage/v1",
    "storagemigration.k8s.io/v1alpha1": "k8s.io/api/storagemigration/v1alpha1",
}
SUPPORT_PACKAGES = [
    "k8s.io/apimachinery/pkg/runtime",
    "k8s.io/apimachinery/pkg/runtime/schema",
    "k8s.io/apimachinery/pkg/api/resource",
    "k8s.io/apimachinery/pkg/util/intstr",
]
KEEP_FILES = {p + "/generated.proto" for p in list(API_PACKAGES.values()) + SUPPORT_PACKAGES}

# Messages whose Go types implement json.Marshaler: their JSON is not their fields.
SPECIAL = {
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time": "time",
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": "microTime",
    "k8s.io.apimachinery.pkg.apis.meta.v1.Duration": "duration",
    "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1": "fieldsV1",
    "k8s.io.apimachinery.pkg.api.resource.Quantity": "quantity",
    "k8s.io.apimachinery.pkg.api.resource.QuantityValue": "quantity",
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": "intOrString",
    "k8s.io.apimachinery.pkg.runtime.RawExtension": "rawExtension",
}

PROTO_TYPES = {1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64", 7: "fixed32",
               8: "bool", 9: "string", 11: "message", 12: "bytes", 13: "uint32", 15: "sfixed32",
               16: "sfixed64", 17: "sint32", 18: "sint64"}

TYPE_META = ("k8s.io/apimachinery/pkg/apis/meta/v1", "TypeMeta")

# Go reflect kinds (internal/abi).
K_PTR, K_SLICE, K_MAP, K_STRUCT, K_ARRAY, K_CHAN, K_FUNC, K_INTERFACE = 22, 23, 21, 25, 17, 18, 19, 20


def warn(msg):
    print("warning: " + msg, file=sys.stderr)


# ---------------------------------------------------------------- protobuf wire reading (descriptors)

def varint(buf, i):
    r = s = 0
    while True:
        c = buf[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def fields_of(buf):
    """Yields (number, wire type, value) for each field of a message; value is int or bytes."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(buf, i)
        elif wt == 1:
            v, i = struct.unpack_from("<Q", buf, i)[0], i + 8
        elif wt == 5:
            v, i = struct.unpack_from("<I", buf, i)[0], i + 4
        elif wt == 2:
            n, i = varint(buf, i)
            if i + n > len(buf):
                raise ValueError("truncated")
            v, i = bytes(buf[i:i + n]), i + n
        else:
            raise ValueError("wire type %d" % wt)
        yield num, wt, v


def parse_field(buf):
    f = {"packed": False}
    for num, _, v in fields_of(buf):
        if num == 1:
            f["name"] = v.decode()
        elif num == 3:
            f["number"] = v
        elif num == 4:
            f["label"] = v
        elif num == 5:
            f["type"] = v
        elif num == 6:
            f["type_name"] = v.decode().lstrip(".")
        elif num == 8:
            for onum, _, ov in fields_of(v):
                if onum == 2:
                    f["packed"] = bool(ov)
    return f


def parse_message(buf, prefix, out):
    name, fields, nested, map_entry = None, [], [], False
    for num, _, v in fields_of(buf):
        if num == 1:
            name = v.decode()
        elif num == 2:
            fields.append(parse_field(v))
        elif num == 3:
            nested.append(v)
        elif num == 7:
            for onum, _, ov in fields_of(v):
                if onum == 7:
                    map_entry = bool(ov)
    full = prefix + "." + name
    out[full] = {"fields": fields, "map_entry": map_entry}
    for n in nested:
        parse_message(n, full, out)


def parse_file(buf):
    name, package, messages = None, None, []
    for num, _, v in fields_of(buf):
        if num == 1:
            name = v.decode()
        elif num == 2:
            package = v.decode()
        elif num == 4:
            messages.append(v)
    return name, package, messages


def descriptors(binary):
    """Every gzip stream in the binary that decompresses to a FileDescriptorProto we keep."""
    found = {}
    for m in re.finditer(rb"\x1f\x8b\x08", binary):
        d = zlib.decompressobj(31)
        try:
            data = d.decompress(binary[m.start():m.start() + (4 << 20)])
        except zlib.error:
            continue
        if not d.eof:
            continue
        try:
            name, package, msgs = parse_file(data)
        except (ValueError, IndexError, UnicodeDecodeError, struct.error):
            continue
        if name in KEEP_FILES and name not in found:
            found[name] = (package, msgs)
    return found


# ---------------------------------------------------------------- Go runtime type metadata

class GoTypes:
    """Reads struct types (fields, kinds, tags) reachable from the .typelink section of a Go ELF binary.

    Layouts are Go 1.21+ internal/abi on 64-bit: Type is 48 bytes (Size, PtrBytes, Hash, TFlag, Align,
    FieldAlign, Kind, Equal, GCData, Str nameOff, PtrToThis typeOff); StructType adds PkgPath Name and a
    Fields slice of {Name, Typ, Offset}; an UncommonType {PkgPath nameOff, Mcount, Xcount, Moff} follows
    when TFlag has bit 0. Names are a flag byte, varint length, bytes, then an optional varint-length tag.
    """

    def __init__(self, b):
        self.b = b
        shoff = struct.unpack_from("<Q", b, 0x28)[0]
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3A)
        raw = [struct.unpack_from("<IIQQQQ", b, shoff + i * shentsize) for i in range(shnum)]
        strtab = raw[shstrndx][4]
        self.sections = {}
        for name, _typ, _flags, addr, off, size in raw:
            n = b[strtab + name:b.index(b"\0", strtab + name)].decode()
            self.sections[n] = (addr, off, size)
        self.types = self.sections[".rodata"][0]

    def off(self, addr):
        for a, o, sz in self.sections.values():
            if a and a <= addr < a + sz:
                return o + addr - a
        raise ValueError(hex(addr))

    def u64(self, a):
        return struct.unpack_from("<Q", self.b, self.off(a))[0]

    def i32(self, a):
        return struct.unpack_from("<i", self.b, self.off(a))[0]

    def u16(self, a):
        return struct.unpack_from("<H", self.b, self.off(a))[0]

    def u32(self, a):
        return struct.unpack_from("<I", self.b, self.off(a))[0]

    def kind(self, t):
        return self.b[self.off(t) + 23] & 0x1F

    def name(self, addr):
        o = self.off(addr)
        flags = self.b[o]
        n, o = varint(self.b, o + 1)
        text = self.b[o:o + n].decode()
        o += n
        tag = ""
        if flags & 2:
            tn, o = varint(self.b, o)
            tag = self.b[o:o + tn].decode()
        return text, tag, flags

    def type_string(self, t):
        text = self.name(self.types + self.i32(t + 40))[0]
        return text[1:] if self.b[self.off(t) + 20] & 2 else text

    def elem(self, t):
        return self.u64(t + 48)

    def uncommon_offset(self, t):
        k = self.kind(t)
        # Size of the kind-specific type struct that the uncommon type follows.
        return {K_STRUCT: 80, K_PTR: 56, K_SLICE: 56, K_ARRAY: 72, K_CHAN: 64, K_MAP: 88, K_FUNC: 56,
                K_INTERFACE: 80}.get(k, 48)

    def named(self, t):
        """(package path, name) for a named type, or None."""
        if self.b[self.off(t) + 20] & 5 != 5:  # TFlagUncommon | TFlagNamed
            return None
        u = t + self.uncommon_offset(t)
        pkg_off = self.i32(u)
        pkg = self.name(self.types + pkg_off)[0] if pkg_off else ""
        return pkg, self.type_string(t).split(".")[-1]

    def methods(self, t):
        if not self.b[self.off(t) + 20] & 1:
            return []
        u = t + self.uncommon_offset(t)
        mcount, moff = self.u16(u + 4), self.u32(u + 8)
        return [self.name(self.types + self.i32(u + moff + 16 * k))[0] for k in range(mcount)]

    def all_types(self):
        addr, off, size = self.sections[".typelink"]
        stack = [self.types + struct.unpack_from("<i", self.b, off + 4 * k)[0] for k in range(size // 4)]
        seen = set()
        while stack:
            t = stack.pop()
            if t in seen or t == 0:
                continue
            seen.add(t)
            k = self.kind(t)
            ptr_to = self.i32(t + 44)
            if ptr_to > 0:
                stack.append(self.types + ptr_to)
            if k in (K_PTR, K_SLICE, K_ARRAY, K_CHAN):
                stack.append(self.elem(t))
            elif k == K_MAP:
                stack += [self.u64(t + 48), self.u64(t + 56)]
            elif k == K_STRUCT:
                fp, fn = self.u64(t + 56), self.u64(t + 64)
                for i in range(fn):
                    stack.append(self.u64(fp + 24 * i + 8))
        return seen

    def struct_fields(self, t):
        fp, fn = self.u64(t + 56), self.u64(t + 64)
        out = []
        for i in range(fn):
            name, tag, flags = self.name(self.u64(fp + 24 * i))
            out.append({"name": name, "tag": tag, "embedded": bool(flags & 8), "type": self.u64(fp + 24 * i + 8)})
        return out


def tag_value(tag, key):
    m = re.search(r'(?:^|\s)' + re.escape(key) + r':"((?:[^"\\]|\\.)*)"', tag)
    return m.group(1) if m else None


def go_index(go, packages):
    """(go package, type name) -> {"fields": {proto number: go facts}, "kind": .., "marshalsJSON": ..}."""
    index = {}
    for t in go.all_types():
        named = go.named(t)
        if not named or named[0] not in packages:
            continue
        k = go.kind(t)
        entry = {"kind": k, "fields": {}}
        methods = set(go.methods(t))
        ptr_to = go.i32(t + 44)
        if ptr_to > 0:
            methods |= set(go.methods(go.types + ptr_to))
        entry["marshalsJSON"] = "MarshalJSON" in methods
        if k == K_STRUCT:
            fields = go.struct_fields(t)
            # A kind (what a client may send as a body) embeds metav1.TypeMeta.
            entry["isKind"] = any(f["embedded"] and go.named(f["type"]) == TYPE_META for f in fields)
            for f in fields:
                pb = tag_value(f["tag"], "protobuf")
                if not pb or pb == "-":
                    continue
                number = int(pb.split(",")[1])
                js = tag_value(f["tag"], "json")
                json_name, opts = "", []
                if js is not None:
                    parts = js.split(",")
                    json_name, opts = parts[0], parts[1:]
                fk = go.kind(f["type"])
                target = go.elem(f["type"]) if fk == K_PTR else f["type"]
                entry["fields"][number] = {
                    "goName": f["name"],
                    "jsonName": json_name,
                    "omitempty": "omitempty" in opts,
                    "pointer": fk == K_PTR,
                    "inline": f["embedded"] and json_name == "" and go.kind(target) == K_STRUCT,
                    "skip": json_name == "-",
                }
        index[named] = entry
    return index


# ---------------------------------------------------------------- JSON field order

RAW_EXTENSION = ("k8s.io/apimachinery/pkg/runtime", "RawExtension")

FIELD_ORDER_HEADER = """\
# Generated by scripts/gen-protobuf-fields.py from the Go type metadata in kubectl v1.32.5
# (/usr/lib/google-cloud-sdk/bin/kubectl.1.32). Do not edit.
#
# The order encoding/json writes the fields of upstream's API structs in: Go declaration order, with
# embedded structs (TypeMeta, Volume.VolumeSource, Probe.ProbeHandler, ...) expanded in place.
# "package NAME APIVERSION..." starts a Go package (named as in protobuf-fields.json) and lists the
# apiVersions it serves; each following line is "Type field field:Ref ...". A Ref names the struct type of
# a field, of a slice element or of a pointer: "Name" in the same package, "package.Name" in another;
# "{Ref" is a map whose values are Ref; "*" is a runtime.RawExtension (an object typed by its own
# apiVersion and kind). Fields without a Ref are scalars, maps of scalars, or types with their own JSON
# form (Time, Quantity, IntOrString, ...).
"""


def dotted(pkg, name):
    return pkg.replace("/", ".") + "." + name


def write_field_order(go, out_path):
    """Writes every struct of the API_PACKAGES (and the structs they reach) with its JSON fields in order."""
    named_types = {}
    for t in go.all_types():
        n = go.named(t)
        if n and go.kind(t) == K_STRUCT:
            named_types.setdefault(n, t)

    def marshals_json(t):
        methods = set(go.methods(t))
        ptr_to = go.i32(t + 44)
        if ptr_to > 0:
            methods |= set(go.methods(go.types + ptr_to))
        return "MarshalJSON" in methods

    def strip(t):
        while go.kind(t) in (K_PTR, K_SLICE, K_ARRAY):
            t = go.elem(t)
        return t

    wanted = set(API_PACKAGES.values())
    queue = sorted(n for n in named_types if n[0] in wanted and n[1][:1].isupper())
    done = {}

    def ref(t, pkg):
        """The Ref text for a field's Go type (None for no struct), queueing structs it names."""
        t = strip(t)
        prefix = ""
        if go.kind(t) == K_MAP:
            t = strip(go.u64(t + 56))
            prefix = "{"
        n = go.named(t)
        if n == RAW_EXTENSION:
            return prefix + "*"
        if go.kind(t) != K_STRUCT or n is None or marshals_json(t):
            return None
        if n not in done:
            queue.append(n)
        return prefix + (n[1] if n[0] == pkg else dotted(*n))

    def fields(t, pkg, out, seen):
        for f in go.struct_fields(t):
            js = tag_value(f["tag"], "json")
            json_name = js.split(",")[0] if js is not None else ""
            if json_name == "-":
                continue
            target = f["type"]
            if go.kind(target) == K_PTR:
                target = go.elem(target)
            if f["embedded"] and json_name == "" and go.kind(target) == K_STRUCT and not marshals_json(target):
                # encoding/json promotes an embedded struct's fields into its parent.
                inner = go.named(target)
                fields(target, inner[0] if inner else pkg, out, seen)
                continue
            if not f["name"][:1].isupper() and not f["embedded"]:
                continue  # unexported
            name = json_name or f["name"]
            if name in seen:
                warn("%s: JSON name %s twice" % (go.type_string(t), name))
                continue
            seen.add(name)
            r = ref(f["type"], pkg)
            out.append(name if r is None else name + ":" + r)

    while queue:
        n = queue.pop()
        if n in done:
            continue
        t = named_types[n]
        if marshals_json(t):
            done[n] = None
            continue
        out = []
        done[n] = out  # before recursing: types may refer to themselves
        fields(t, n[0], out, set())

    versions = {}
    for v, p in API_PACKAGES.items():
        versions.setdefault(p, []).append(v)
    versions.setdefault("k8s.io/apimachinery/pkg/apis/meta/v1", []).append("meta.k8s.io/v1beta1")
    by_package = {}
    for (pkg, name), out in done.items():
        if out is not None:
            by_package.setdefault(pkg, []).append((name, out))
    with open(out_path, "w") as w:
        w.write(FIELD_ORDER_HEADER)
        for pkg in sorted(by_package):
            w.write("package %s%s\n" % (pkg.replace("/", "."), "".join(" " + v for v in sorted(versions.get(pkg, [])))))
            for name, out in sorted(by_package[pkg]):
                w.write(" ".join([name] + out) + "\n")
    print("wrote %d structs of %d packages to %s" % (sum(len(v) for v in by_package.values()), len(by_package), out_path))


# ---------------------------------------------------------------- merge and write

def go_package_of(proto_package):
    return "k8s.io/" + proto_package[len("k8s.io."):].replace(".", "/")


def main(binary_path, out_path, order_path):
    binary = open(binary_path, "rb").read()
    files = descriptors(binary)
    missing = KEEP_FILES - set(files)
    if missing:
        sys.exit("descriptors not found in %s: %s" % (binary_path, ", ".join(sorted(missing))))

    messages = {}
    go_packages = set()
    for name, (package, msgs) in files.items():
        go_packages.add(name.rsplit("/", 1)[0])
        for m in msgs:
            parse_message(m, package, messages)
    go_types = GoTypes(binary)
    go = go_index(go_types, go_packages)

    marshalers = {pkg.replace("/", ".") + "." + tname for (pkg, tname), e in go.items() if e["marshalsJSON"]}

    out = {}
    no_go = []
    for full, m in sorted(messages.items()):
        if m["map_entry"]:
            continue
        package, tname = full.rsplit(".", 1)
        goinfo = go.get((go_package_of(package), tname))
        if goinfo is None and full not in SPECIAL:
            no_go.append(full)
        entry = {}
        if goinfo and goinfo.get("isKind"):
            entry["kind"] = True
        if full in SPECIAL:
            entry["special"] = SPECIAL[full]
        elif goinfo and goinfo["kind"] == K_SLICE:
            if [f["name"] for f in m["fields"]] != ["items"]:
                sys.exit("%s: Go slice type whose message is not {items}" % full)
            entry["special"] = "items"
        elif goinfo and goinfo["kind"] != K_STRUCT:
            sys.exit("%s: unexpected Go kind %d" % (full, goinfo["kind"]))
        fields = {}
        for f in sorted(m["fields"], key=lambda f: f["number"]):
            t = PROTO_TYPES.get(f["type"])
            if t is None:
                sys.exit("%s.%s: unsupported proto type %d" % (full, f["name"], f["type"]))
            out_f = {"name": f["name"], "type": t}
            if t == "message":
                target = messages.get(f["type_name"])
                if target is None:
                    sys.exit("%s.%s: message %s not in the kept files" % (full, f["name"], f["type_name"]))
                if target["map_entry"]:
                    kv = {e["number"]: e for e in target["fields"]}
                    out_f["type"] = "map"
                    out_f["key"] = PROTO_TYPES[kv[1]["type"]]
                    out_f["value"] = PROTO_TYPES[kv[2]["type"]]
                    if out_f["value"] == "message":
                        out_f["valueMessage"] = kv[2]["type_name"]
                else:
                    out_f["message"] = f["type_name"]
            if f.get("label") == 3 and out_f["type"] != "map":
                out_f["repeated"] = True
            g = goinfo["fields"].get(f["number"]) if goinfo else None
            if goinfo and goinfo["kind"] == K_STRUCT and g is None and full not in SPECIAL:
                warn("%s.%s (%d): no Go field" % (full, f["name"], f["number"]))
            if g and full not in SPECIAL:
                if g["skip"]:
                    continue
                if g["inline"]:
                    out_f["inline"] = True
                    out_f["name"] = ""
                else:
                    out_f["name"] = g["jsonName"] or g["goName"]
                if g["omitempty"]:
                    out_f["omitempty"] = True
                if g["pointer"]:
                    out_f["pointer"] = True
            elif goinfo is None:
                # No Go facts: treat as the common case, an optional omitempty field.
                out_f["omitempty"] = True
            fields[str(f["number"])] = out_f
        entry["fields"] = fields
        out[full] = entry
    for name, entry in out.items():
        for f in entry["fields"].values():
            target = f.get("message") or f.get("valueMessage")
            if target in marshalers and target not in SPECIAL:
                sys.exit("%s.%s: %s implements MarshalJSON but has no special decoding" % (name, f["name"], target))
    if no_go:
        warn("%d messages without Go struct metadata (flags defaulted): %s" % (len(no_go), ", ".join(no_go)))

    doc_packages = {v: p.replace("/", ".") for v, p in API_PACKAGES.items()}
    with open(out_path, "w") as w:
        w.write('{"source": %s,\n' % json.dumps(
            "generated by scripts/gen-protobuf-fields.py from the gzipped FileDescriptorProtos and Go type "
            "metadata in kubectl v1.32.5 (/usr/lib/google-cloud-sdk/bin/kubectl.1.32)"))
        w.write(' "packages": %s,\n' % json.dumps(doc_packages, sort_keys=True, separators=(",", ":")))
        w.write(' "messages": {\n')
        items = sorted(out.items())
        for i, (name, entry) in enumerate(items):
            w.write("  %s: %s%s\n" % (json.dumps(name), json.dumps(entry, separators=(",", ":")),
                                       "," if i + 1 < len(items) else ""))
        w.write(" }}\n")
    print("wrote %d messages from %d files to %s" % (len(out), len(files), out_path))
    write_field_order(go_types, order_path)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: gen-protobuf-fields.py KUBECTL_1_32_BINARY PROTOBUF_FIELDS_JSON JSON_FIELD_ORDER_TXT")
    main(sys.argv[1], sys.argv[2], sys.argv[3])
