/// Writes `JSON` as compact JSON text.
///
/// Foundation's `JSONEncoder` round-trips this enum through its generic `Encodable` machinery, which
/// profiling showed to be a sixth of the API server's time per write; emitting the few value kinds
/// directly into one byte buffer is an order of magnitude cheaper. Strings are escaped as RFC 8259 requires
/// (quote, backslash and control characters); everything else is written verbatim as UTF-8.
///
/// Object keys come out in one of two deterministic orders (never the dictionary's, which differs between
/// processes and even between equal dictionaries):
/// - `sortedKeys: true`: every object's keys sorted (String order); for hashes, tokens and documents.
/// - otherwise upstream's: built-in kinds' fields in their Go declaration order, Go maps and everything
///   without type information sorted by bytes, as encoding/json does (see `JSONFieldOrder`).
enum JSONWriter {
    static func write(_ value: JSON, sortedKeys: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        if sortedKeys {
            write(value, into: &out, sortedKeys: true)
        } else {
            write(value, layout: .root, order: JSONFieldOrder.bundled, into: &out)
        }
        return out
    }

    /// Writes `value` in upstream's field order; `layout` is what the schema says the value is.
    static func write(_ value: JSON, layout: JSONLayout, order: JSONFieldOrder, into out: inout [UInt8]) {
        switch value {
        case .array(let a):
            out.append(UInt8(ascii: "["))
            var first = true
            for v in a {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                write(v, layout: layout, order: order, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            var layout = layout
            switch layout {
            case .embedded: layout = order.layout(ofEmbedded: o, root: false)
            case .root: layout = order.layout(ofEmbedded: o, root: true)
            default: break
            }
            switch layout {
            case .type(let t): writeStruct(o, order.structs[Int(t)], order: order, into: &out)
            case .map(let t): writeSorted(o, values: t == JSONLayout.embeddedValue ? .embedded : .type(t), order: order, into: &out)
            default: writeSorted(o, values: .untyped, order: order, into: &out)
            }
        default:
            write(value, into: &out, sortedKeys: false)
        }
    }

    private typealias Member = (rank: Int32, index: Dictionary<String, JSON>.Index)

    /// A built-in struct: its fields by rank, then fields it does not have sorted by bytes. The sort moves
    /// (rank, dictionary index) pairs in a stack buffer: no hashing beyond one lookup per key, no retains.
    private static func writeStruct(_ o: [String: JSON], _ s: JSONFieldOrder.Struct, order: JSONFieldOrder, into out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: Member.self, capacity: o.count) { buf in
            var n = 0
            var i = o.startIndex
            while i != o.endIndex {
                buf.initializeElement(at: n, to: (s.ranks[o[i].key] ?? .max, i))
                n += 1
                o.formIndex(after: &i)
            }
            var members = buf
            members.sort { (a: Member, b: Member) -> Bool in
                if a.rank != b.rank { return a.rank < b.rank }
                return a.rank == Int32.max && goLess(o[a.index].key, o[b.index].key)
            }
            out.append(UInt8(ascii: "{"))
            for k in 0..<n {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                let (key, value) = o[buf[k].index]
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                let rank = buf[k].rank
                write(value, layout: rank == .max ? .untyped : s.layouts[Int(rank)], order: order, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// An object with its keys sorted by bytes, as encoding/json writes a Go map.
    private static func writeSorted(_ o: [String: JSON], values: JSONLayout, order: JSONFieldOrder, into out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: Dictionary<String, JSON>.Index.self, capacity: o.count) { buf in
            var n = 0
            var i = o.startIndex
            while i != o.endIndex {
                buf.initializeElement(at: n, to: i)
                n += 1
                o.formIndex(after: &i)
            }
            var indices = buf
            indices.sort { a, b in goLess(o[a].key, o[b].key) }
            out.append(UInt8(ascii: "{"))
            for k in 0..<n {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                let (key, value) = o[buf[k]]
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(value, layout: values, order: order, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Byte order of the UTF-8, as Go compares strings (Swift's `<` compares canonical equivalents equal).
    @inline(__always)
    static func goLess(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    static func write(_ value: JSON, into out: inout [UInt8], sortedKeys: Bool) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            if d.isFinite {
                // Whole numbers print without a fraction, as Go's encoder (and JSONEncoder) does.
                if d == d.rounded(), abs(d) < 1e15 { out.append(contentsOf: String(Int64(d)).utf8) } else { out.append(contentsOf: "\(d)".utf8) }
            } else {
                out.append(UInt8(ascii: "0"))
            }
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(v, into: &out, sortedKeys: sortedKeys)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            var first = true
            func member(_ k: String, _ v: JSON) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writeString(k, into: &out)
                out.append(UInt8(ascii: ":"))
                write(v, into: &out, sortedKeys: sortedKeys)
            }
            if sortedKeys {
                for k in o.keys.sorted() { member(k, o[k]!) }
            } else {
                for (k, v) in o { member(k, v) }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(b)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(b)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0x08: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "f"))
            case 0..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
