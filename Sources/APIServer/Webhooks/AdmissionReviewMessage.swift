import APIMachinery
import Foundation

/// The `admission.k8s.io/v1` AdmissionReview a webhook receives, and the checks upstream's
/// `VerifyAdmissionResponse` makes of the one it sends back (with upstream's messages).
/// Public for the fuzzer (Sources/Fuzzing): a webhook's answer is outside input.
public enum AdmissionReviewMessage {
    /// What a webhook answered, once verified.
    public struct Verdict: Sendable {
        public var allowed: Bool
        /// A JSON Patch (`patchType: JSONPatch`), mutating webhooks only.
        public var patch: JSON?
        public var result: JSON?
        public var warnings: [String]
        public var auditAnnotations: [String: String]
    }

    public struct InvalidResponse: Error, Sendable { public var message: String }

    static func request(uid: String, _ a: AdmissionAttributes) -> JSON {
        var userInfo: JSON = ["username": .string(a.user?.name ?? "")]
        if let user = a.user {
            if !user.uid.isEmpty { userInfo["uid"] = .string(user.uid) }
            if !user.groups.isEmpty { userInfo["groups"] = .array(user.groups.map { .string($0) }) }
            if !user.extra.isEmpty { userInfo["extra"] = .object(user.extra.mapValues { .array($0.map { .string($0) }) }) }
        }
        let gvk: JSON = ["group": .string(a.group), "version": .string(a.version), "kind": .string(a.kind)]
        let gvr: JSON = ["group": .string(a.group), "version": .string(a.version), "resource": .string(a.resource)]
        var request: JSON = [
            "uid": .string(uid), "kind": gvk, "resource": gvr, "requestKind": gvk, "requestResource": gvr,
            "operation": .string(a.operation.rawValue), "userInfo": userInfo,
            "object": a.object ?? .null, "oldObject": a.oldObject ?? .null, "dryRun": .bool(a.dryRun), "options": a.options,
        ]
        if !a.subresource.isEmpty {
            request["subResource"] = .string(a.subresource)
            request["requestSubResource"] = .string(a.subresource)
        }
        if !a.name.isEmpty { request["name"] = .string(a.name) }
        // A Namespace's attributes carry its own name as the namespace; the review does not.
        if !a.namespace.isEmpty && !a.isNamespaceObject { request["namespace"] = .string(a.namespace) }
        return ["kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": request]
    }

    /// Upstream's `VerifyAdmissionResponse` for v1 reviews.
    public static func verdict(_ body: [UInt8], uid: String, mutating: Bool) throws(InvalidResponse) -> Verdict {
        let review: JSON
        do {
            review = try JSON.parse(body)
        } catch {
            throw InvalidResponse(message: "\(error)")
        }
        guard let response = review["response"], response.isObject else {
            throw InvalidResponse(message: "webhook response was absent")
        }
        let gotUID = response["uid"]?.string ?? ""
        guard gotUID == uid else {
            throw InvalidResponse(message: "expected response.uid=\(GoQuoting.quote(uid)), got \(GoQuoting.quote(gotUID))")
        }
        let apiVersion = review["apiVersion"]?.string ?? "", kind = review["kind"]?.string ?? ""
        guard apiVersion == "admission.k8s.io/v1", kind == "AdmissionReview" else {
            throw InvalidResponse(message: "expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got \(apiVersion), Kind=\(kind)")
        }
        let patchText = response["patch"]?.string ?? ""
        let patchType = response["patchType"]
        var patch: JSON?
        if mutating {
            if !patchText.isEmpty && (patchType == nil || patchType?.isNull == true) {
                throw InvalidResponse(message: "webhook returned response.patch but not response.patchType")
            }
            if patchText.isEmpty, let t = patchType, !t.isNull {
                throw InvalidResponse(message: "webhook returned response.patchType but not response.patch")
            }
            if let t = patchType?.string, t != "JSONPatch" {
                throw InvalidResponse(message: t.isEmpty ? "webhook returned invalid response.patchType of \"\"" : "unsupported patch type \(GoQuoting.quote(t))")
            }
            if !patchText.isEmpty {
                guard let bytes = Data(base64Encoded: patchText), let parsed = try? JSON.parse(bytes) else {
                    throw InvalidResponse(message: "received undecodable patch in webhook response")
                }
                patch = parsed
            }
        } else {
            if !patchText.isEmpty { throw InvalidResponse(message: "validating webhook may not return response.patch") }
            if let t = patchType, !t.isNull { throw InvalidResponse(message: "validating webhook may not return response.patchType") }
        }
        return Verdict(
            allowed: response["allowed"]?.bool ?? false, patch: patch, result: response["status"],
            warnings: response["warnings"]?.array?.compactMap(\.string) ?? [],
            auditAnnotations: response["auditAnnotations"]?.stringMap ?? [:])
    }
}
