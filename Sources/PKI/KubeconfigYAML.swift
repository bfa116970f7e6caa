import APIMachinery
import Foundation
import Yams

/// YAML text ⇄ JSON values for kubeconfig files, through Yams.
///
/// PKI does not list Yams in Package.swift; it is importable because APIMachinery depends on it. Reading
/// should move to APIMachinery's `YAMLDecoding.decode` (upstream's goyaml v2 resolution) once that is on
/// main: this file is the only place that would change.
enum KubeconfigYAML {
    /// The first YAML (or JSON) document as a JSON value; empty text is `.null`.
    static func decode(_ text: String) throws(PKIError) -> JSON {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw .invalidKubeconfig("\(error)")
        }
        guard let node else { return .null }
        return try json(from: node)
    }

    /// YAML text with keys sorted, block style, as kubectl writes kubeconfigs (it marshals JSON, then
    /// converts it to YAML with sorted keys). Strings that would read back as another type are quoted.
    static func encode(_ value: JSON) -> String {
        // Serialising a tree of plain nodes cannot fail; an empty document is the fallback.
        (try? Yams.serialize(node: node(from: value), width: -1, allowUnicode: true)) ?? ""
    }

    private static func json(from node: Node) throws(PKIError) -> JSON {
        switch node {
        case .scalar(let scalar):
            switch node.tag.rawValue {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue:
                guard let b = node.bool else { return .string(scalar.string) }
                return .bool(b)
            case Tag.Name.int.rawValue:
                guard let i = node.int else { return .string(scalar.string) }
                return .int(Int64(i))
            case Tag.Name.float.rawValue:
                guard let d = node.float else { return .string(scalar.string) }
                return .double(d)
            default:
                return .string(scalar.string)
            }
        case .mapping(let mapping):
            var object: [String: JSON] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw .invalidKubeconfig("mapping keys must be scalars")
                }
                object[keyScalar.string] = try json(from: value)
            }
            return .object(object)
        case .sequence(let sequence):
            var array: [JSON] = []
            for element in sequence { array.append(try json(from: element)) }
            return .array(array)
        case .alias:
            throw .invalidKubeconfig("unresolved YAML alias")
        }
    }

    private static func node(from value: JSON) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
        case .int(let i): return Node(String(i), Tag(.int))
        case .double(let d): return Node(d.isFinite ? "\(d)" : "0", Tag(.float))
        case .string(let s): return .scalar(s.represented())
        case .array(let elements):
            return .sequence(.init(elements.map(node(from:)), Tag(.seq), .block))
        case .object(let object):
            let pairs = object.keys.sorted().map { key in (Node.scalar(key.represented()), node(from: object[key]!)) }
            return .mapping(.init(pairs, Tag(.map), .block))
        }
    }
}
