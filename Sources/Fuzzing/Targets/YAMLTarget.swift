import APIMachinery
import Foundation

/// Manifests as `kubectl apply -f`, `skiff create cluster --config` and apply patches send them: any
/// document the YAML reader accepts is JSON, and its JSON serialization (JSON is YAML) reads back equal.
public struct YAMLTarget: ParserFuzzTarget {
    public let name = "yaml"
    public init() {}

    public var seeds: [[UInt8]] {
        [
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: x}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    args: [\"a\", 'b', c]\n",
            "a: &x {b: 1}\nc: *x\nd: |\n  text\n  more\ne: >-\n  folded\nf: ~\ng: 0x1F\nh: 1e3\ni: .5\nj: 2001-12-14\n",
            "---\nkind: A\n---\n# comment\n- 1\n- [2, 3]\n- {k: v}\n...\n",
            "key: \"\\u00e9\\t\\\\ \"\nlist:\n- ? complex\n  : value\nbools: [yes, no, on, off, true]\n",
        ].map { Array($0.utf8) }
    }

    public func check(_ input: [UInt8]) -> ParserFuzzOutcome {
        let text = String(decoding: input, as: UTF8.self)
        let documents: [JSON]
        do {
            documents = try YAMLDecoding.decodeAll(text)
        } catch {
            return .refused
        }
        for document in documents {
            let json = String(decoding: document.serialized(), as: UTF8.self)
            guard let again = try? YAMLDecoding.decode(json) else {
                return .problem("its JSON does not read back as YAML: \(json.prefix(200))")
            }
            if again != document {
                return .problem("its JSON reads back as a different value: \(json.prefix(200))")
            }
        }
        return .accepted
    }
}
