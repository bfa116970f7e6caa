import APIMachinery
import APIServer
import Foundation

/// The AdmissionReview answers of admission webhooks, which the API server reads from whatever a webhook
/// (a pod anyone with the right to create one may run) sends back. The fuzzed bytes are the `response`
/// object, spliced raw into the review's envelope (so the JSON reader sees them as sent); an input that is
/// not JSON is also read as YAML and re-serialized, so byte mutations, which mostly break JSON's syntax,
/// still reach the verdict's rules with varied shapes. An accepted answer must name the request's uid, and a
/// patch is taken only from a mutating webhook and only as it was sent.
public struct AdmissionReviewTarget: ParserFuzzTarget {
    public let name = "admission-review"
    /// Short, so that most mutations land on the rest of the answer rather than on the uid.
    static let uid = "1"
    static let envelope = Array(#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":"#.utf8)
    static let object: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c", "labels": ["a": "b"]], "data": ["k": "v"]]
    public init() {}

    /// JSON's syntax is strict and the envelope's values are exact, so most byte mutations are refused:
    /// about 1% of CI's 4,000 reach the verdict's rules, and 0.1% of `skiff bench fuzz`'s 100,000, whose
    /// later inputs are mutations of mutations.
    public var minimumAcceptedShare: Double { 0.005 }

    public var seeds: [[UInt8]] {
        let patch = Data(#"[{"op":"add","path":"/metadata/labels/x","value":"y"}]"#.utf8).base64EncodedString()
        return [
            #"{"uid":"1","allowed":true}"#,
            #"{"uid":"1","allowed":false,"status":{"code":403,"reason":"Forbidden","message":"no"},"warnings":["w"],"auditAnnotations":{"a":"b"}}"#,
            #"{"uid":"1","allowed":true,"patchType":"JSONPatch","patch":"\#(patch)"}"#,
            "uid: \"1\"\nallowed: true\nwarnings: [a, b]\n",
            "uid: \"1\"\nallowed: true\npatchType: JSONPatch\npatch: \(patch)\n",
        ].map { Array($0.utf8) }
    }

    public func check(_ input: [UInt8]) -> ParserFuzzOutcome {
        var bodies = [Self.envelope + input + Array("}".utf8)]
        if (try? JSON.parse(input)) == nil, let document = try? YAMLDecoding.decode(String(decoding: input, as: UTF8.self)) {
            bodies.append(Self.envelope + Array(document.serialized()) + Array("}".utf8))
        }
        for body in bodies {
            let outcome = judge(body)
            if outcome != .refused { return outcome }
        }
        return .refused
    }

    func judge(_ input: [UInt8]) -> ParserFuzzOutcome {
        for mutating in [true, false] {
            let verdict: AdmissionReviewMessage.Verdict
            do {
                verdict = try AdmissionReviewMessage.verdict(input, uid: Self.uid, mutating: mutating)
            } catch {
                continue
            }
            guard let review = try? JSON.parse(input), review[path: ["response", "uid"]]?.string == Self.uid else {
                return .problem("accepted an answer for another request")
            }
            if let patch = verdict.patch {
                guard mutating else { return .problem("a validating webhook's patch was accepted") }
                let sent = review[path: ["response", "patch"]]?.string.flatMap { Data(base64Encoded: $0) }.flatMap { try? JSON.parse($0) }
                guard sent == patch else { return .problem("the patch read is not the one sent") }
                // Whatever the patch says, applying it succeeds or fails with a PatchError: never a trap.
                _ = try? JSONPatch.apply(patch, to: Self.object)
            }
            return .accepted
        }
        return .refused
    }
}
