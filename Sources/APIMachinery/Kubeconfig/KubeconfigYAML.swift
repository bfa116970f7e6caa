import Foundation
import Yams

/// YAML text ⇄ JSON values for kubeconfig files.
///
/// Reading goes through `YAMLDecoding`, which resolves plain scalars as upstream's goyaml v2 does (kubectl
/// reads kubeconfigs with the same library). Writing uses Yams' emitter directly.
enum KubeconfigYAML {
    /// The first YAML (or JSON) document as a JSON value; empty text is `.null`.
    static func decode(_ text: String) throws(KubeconfigError) -> JSON {
        do {
            return try YAMLDecoding.decode(text)
        } catch {
            throw KubeconfigError(error.message)
        }
    }

    /// YAML text with keys sorted, block style, as kubectl writes kubeconfigs (it marshals JSON, then
    /// converts it to YAML with sorted keys). Strings that would read back as another type are quoted.
    static func encode(_ value: JSON) -> String {
        // Serialising a tree of plain nodes cannot fail; an empty document is the fallback.
        (try? Yams.serialize(node: node(from: value), width: -1, allowUnicode: true)) ?? ""
    }

    private static func node(from value: JSON) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
        case .int(let i): return Node(String(i), Tag(.int))
        case .double(let d): return Node(d.isFinite ? "\(d)" : "0", Tag(.float))
        case .string(let s): return .scalar(scalar(s))
        case .array(let elements):
            return .sequence(.init(elements.map(node(from:)), Tag(.seq), .block))
        case .object(let object):
            let pairs = object.keys.sorted().map { key in (Node.scalar(scalar(key)), node(from: object[key]!)) }
            return .mapping(.init(pairs, Tag(.map), .block))
        }
    }

    /// A string scalar, single-quoted when a reader would not read it back plain as this very string: by
    /// upstream's rules (`y`, `0o17`, `1_000` are not strings to goyaml v2) or by YAML 1.1's (PyYAML, used by
    /// the Python client). libyaml itself quotes what cannot be plain at all (leading spaces, `: `, ...).
    private static func scalar(_ string: String) -> Node.Scalar {
        let yams = string.represented()
        guard yams.style != .singleQuoted else { return yams }
        if case .string(string)? = try? YAMLDecoding.decode(string) { return yams }
        return Node.Scalar(string, Tag(.str), .singleQuoted)
    }
}
