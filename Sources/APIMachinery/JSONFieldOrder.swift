import Foundation

/// How the writer lays out one JSON value (and, through arrays, each of their elements).
enum JSONLayout: Sendable, Equatable {
    /// No type information: object keys sorted, children untyped too.
    case untyped
    /// A built-in struct type (an index into `JSONFieldOrder.structs`): its fields in Go declaration order.
    case type(Int32)
    /// A Go map: keys sorted, each value of the struct type with this index (`embeddedValue` for
    /// runtime.RawExtension values).
    case map(Int32)
    /// A runtime.RawExtension (WatchEvent.object, List.items, TableRow.object): an object typed by its own
    /// `apiVersion` and `kind`.
    case embedded
    /// The root of a document: an embedded object, or a watch event `{"type": .., "object": ..}`.
    case root

    static let embeddedValue: Int32 = -1
}

/// The order upstream's kube-apiserver writes the fields of built-in objects in, loaded from
/// `Resources/json-field-order.txt` (generated with protobuf-fields.json by scripts/gen-protobuf-fields.py
/// from the Go type metadata in kubectl 1.32).
///
/// encoding/json writes a struct's fields in Go declaration order (embedded structs such as TypeMeta,
/// Volume.VolumeSource and Probe.ProbeHandler expanded in place, so kinds start with `kind`, `apiVersion`)
/// and a Go map's keys sorted by bytes. Each struct here is a table from JSON field name to its rank and
/// the layout of its value, so ordering an object is a dictionary lookup per key and a sort of a few ranks.
///
/// What no table covers comes out with sorted keys: fields a struct does not have (after its known fields),
/// custom resources and other kinds not built in, and objects with no type information. For custom
/// resources that is upstream's behaviour too: it serves them as unstructured objects, Go maps.
final class JSONFieldOrder: Sendable {
    struct Struct: Sendable {
        /// JSON field name → rank (index into `layouts`).
        let ranks: [String: Int32]
        /// The layout of each field's value, by rank.
        let layouts: [JSONLayout]
    }

    let structs: [Struct]
    /// Full type name as in protobuf-fields.json ("k8s.io.api.core.v1.Pod") → index into `structs`.
    let typeIndex: [String: Int32]
    /// apiVersion → kind → index of its struct; meta/v1 kinds (Status, DeleteOptions, ...) are also found
    /// through `metaKinds` under any apiVersion.
    private let kinds: [String: [String: Int32]]
    private let metaKinds: [String: Int32]
    private let watchEvent: Int32?

    static let metaPackage = "k8s.io.apimachinery.pkg.apis.meta.v1"

    init(structs: [Struct], typeIndex: [String: Int32], kinds: [String: [String: Int32]]) {
        self.structs = structs
        self.typeIndex = typeIndex
        self.kinds = kinds
        var meta: [String: Int32] = [:]
        for (name, i) in typeIndex where name.hasPrefix(Self.metaPackage + ".") && structs[Int(i)].ranks["kind"] == 0 {
            meta[String(name.dropFirst(Self.metaPackage.count + 1))] = i
        }
        metaKinds = meta
        watchEvent = typeIndex[Self.metaPackage + ".WatchEvent"]
    }

    /// The struct of a kind, e.g. ("apps/v1", "Deployment"); meta/v1's kinds (APIResourceList, Table, ...)
    /// under any built-in apiVersion that has no kind of that name, and Status and the options kinds under
    /// any apiVersion (upstream registers them in every group version).
    func type(apiVersion: String, kind: String) -> Int32? {
        if let byKind = kinds[apiVersion] { return byKind[kind] ?? metaKinds[kind] }
        return ProtobufFieldTable.metaKindsInEveryVersion.contains(kind) ? metaKinds[kind] : nil
    }

    /// The layout of an object typed by its own `apiVersion` and `kind` (untyped if it has none or they
    /// are not a built-in kind); at the root of a document, also a watch event.
    func layout(ofEmbedded o: [String: JSON], root: Bool) -> JSONLayout {
        if case .string(let kind)? = o["kind"], case .string(let apiVersion)? = o["apiVersion"] {
            return type(apiVersion: apiVersion, kind: kind).map(JSONLayout.type) ?? .untyped
        }
        if root, let watchEvent, o.count == 2, case .string? = o["type"], o["object"] != nil {
            return .type(watchEvent)
        }
        return .untyped
    }

    /// Parses the generated text (see its header). Unknown references are dropped (their values untyped).
    convenience init(text: String) {
        struct Line { let package: String; let name: String; let fields: [Substring] }
        var lines: [Line] = []
        var versions: [String: String] = [:]  // apiVersion → package
        var package = ""
        for raw in text.split(separator: "\n") where !raw.hasPrefix("#") {
            let words = raw.split(separator: " ")
            guard let first = words.first else { continue }
            if first == "package", words.count >= 2 {
                package = String(words[1])
                for v in words.dropFirst(2) { versions[String(v)] = package }
            } else {
                lines.append(Line(package: package, name: String(first), fields: Array(words.dropFirst())))
            }
        }
        var index: [String: Int32] = [:]
        for (i, l) in lines.enumerated() { index[l.package + "." + l.name] = Int32(i) }
        func resolve(_ ref: Substring, in package: String) -> Int32? {
            if ref == "*" { return JSONLayout.embeddedValue }
            return index[ref.contains(".") ? String(ref) : package + "." + ref]
        }
        var structs: [Struct] = []
        structs.reserveCapacity(lines.count)
        for l in lines {
            var ranks: [String: Int32] = [:]
            var layouts: [JSONLayout] = []
            ranks.reserveCapacity(l.fields.count)
            for f in l.fields {
                let parts = f.split(separator: ":", maxSplits: 1)
                ranks[String(parts[0])] = Int32(layouts.count)
                var layout = JSONLayout.untyped
                if parts.count == 2 {
                    var ref = parts[1]
                    let isMap = ref.hasPrefix("{")
                    if isMap { ref = ref.dropFirst() }
                    if let t = resolve(ref, in: l.package) {
                        layout = isMap ? .map(t) : t == JSONLayout.embeddedValue ? .embedded : .type(t)
                    }
                }
                layouts.append(layout)
            }
            structs.append(Struct(ranks: ranks, layouts: layouts))
        }
        var kinds: [String: [String: Int32]] = [:]
        for (version, package) in versions {
            var byKind: [String: Int32] = [:]
            for (i, l) in lines.enumerated() where l.package == package && structs[i].ranks["kind"] == 0 {
                byKind[l.name] = Int32(i)
            }
            kinds[version] = byKind
        }
        self.init(structs: structs, typeIndex: index, kinds: kinds)
    }

    /// The bundled table, loaded on first use; empty (everything sorted) if the resource is missing.
    static let bundled: JSONFieldOrder = {
        guard let data = try? bundledResource("json-field-order", withExtension: "txt") else {
            return JSONFieldOrder(structs: [], typeIndex: [:], kinds: [:])
        }
        return JSONFieldOrder(text: String(decoding: data, as: UTF8.self))
    }()
}

/// The bytes of a file in Resources/ (copied into the module's bundle).
func bundledResource(_ name: String, withExtension ext: String) throws -> Data {
    guard let url = Bundle.module.url(forResource: name, withExtension: ext) else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Resources/\(name).\(ext)"])
    }
    return try Data(contentsOf: url)
}
