import APIMachinery
import Foundation
import PKI
import Registry

/// `POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token`: an `authentication.k8s.io/v1 TokenRequest`
/// in, the same request with `status.token` and `status.expirationTimestamp` out (upstream's `TokenREST`).
/// Nothing is stored; the token is a JWT signed with the service-account key.
extension APIHandler {
    static let tokenRequestAPIVersion = "authentication.k8s.io/v1"
    /// `ValidateTokenRequest`'s bounds.
    static let minTokenSeconds: Int64 = 600
    static let maxTokenSeconds: Int64 = 1 << 32

    func tokenRequest(_ ctx: RequestContext, serviceAccount name: String) async throws -> APIResponse {
        guard let issuer = serviceAccountTokens else {
            throw APIError(code: 404, reason: "NotFound",
                           message: "the server could not find the requested resource (token issuing needs --service-account-signing-key-file)")
        }
        let namespace = ctx.ri.namespace ?? ""
        let body = try ctx.request.decodeBody(apiVersion: Self.tokenRequestAPIVersion, kind: "TokenRequest")
        guard body.isObject else { throw APIError.badRequest("the body of the request was not a JSON object") }
        if let av = body["apiVersion"]?.string, !av.isEmpty, av != Self.tokenRequestAPIVersion {
            throw APIError.badRequest("the API version in the data (\(av)) does not match the expected API version (\(Self.tokenRequestAPIVersion))")
        }
        if let k = body["kind"]?.string, !k.isEmpty, k != "TokenRequest" {
            throw APIError.badRequest("\(k) in version \"v1\" cannot be handled as a TokenRequest: the kind in the data (\(k)) does not match the expected kind (TokenRequest)")
        }
        func invalid(_ errors: [FieldError]) -> APIError {
            APIError.invalid(kind: "TokenRequest", name: name, group: "authentication.k8s.io", errors: errors)
        }
        // The body may name the account and namespace, but only the ones in the URL.
        if let n = body.metaName, !n.isEmpty, n != name {
            throw invalid([.invalid("metadata.name", n, "must match the service account name if specified")])
        }
        if let ns = body.metaNamespace, !ns.isEmpty, ns != namespace {
            throw invalid([.invalid("metadata.namespace", ns, "must match the service account namespace if specified")])
        }
        let account = try await ctx.store.get(namespace: namespace, name: name)

        var spec = body["spec"]?.isObject == true ? body["spec"]! : [:]
        var audiences = spec["audiences"]?.array?.compactMap(\.string) ?? []
        if audiences.isEmpty { audiences = issuer.audiences }
        spec["audiences"] = .array(audiences.map(JSON.string))
        let expirationSeconds = spec["expirationSeconds"]?.int ?? 3600
        spec["expirationSeconds"] = .int(expirationSeconds)
        if expirationSeconds < Self.minTokenSeconds {
            throw invalid([.invalid("spec.expirationSeconds", number: expirationSeconds, "may not specify a duration less than 10 minutes")])
        }
        if expirationSeconds > Self.maxTokenSeconds {
            throw invalid([.invalid("spec.expirationSeconds", number: expirationSeconds, "may not specify a duration larger than 2^32 seconds")])
        }

        var pod: ServiceAccountClaims.ObjectRef?
        var secret: ServiceAccountClaims.ObjectRef?
        var node: ServiceAccountClaims.ObjectRef?
        if let ref = spec["boundObjectRef"], ref.isObject {
            let apiVersion = ref["apiVersion"]?.string ?? ""
            let kind = ref["kind"]?.string ?? ""
            let refName = ref["name"]?.string ?? ""
            let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
            let bound: JSON
            switch (group, kind) {
            case ("", "Pod"):
                bound = try await object("", "pods", namespace: namespace, name: refName)
                let podAccount = bound[path: ["spec", "serviceAccountName"]]?.string ?? ""
                if podAccount != name {
                    throw APIError.badRequest("cannot bind token for serviceaccount \"\(name)\" to pod running with serviceaccount \"\(podAccount)\"")
                }
                pod = .init(name: refName, uid: (bound.metaUID ?? ""))
                // The node the pod runs on goes into the claims too (upstream's ServiceAccountTokenPodNodeInfo).
                if let nodeName = bound[path: ["spec", "nodeName"]]?.string, !nodeName.isEmpty,
                   let n = try? await store("", "nodes")?.getIfExists(namespace: nil, name: nodeName) {
                    node = .init(name: nodeName, uid: n.metaUID ?? "")
                }
            case ("", "Secret"):
                bound = try await object("", "secrets", namespace: namespace, name: refName)
                secret = .init(name: refName, uid: (bound.metaUID ?? ""))
            case ("", "Node"):
                bound = try await object("", "nodes", namespace: nil, name: refName)
                node = .init(name: refName, uid: (bound.metaUID ?? ""))
            default:
                let gvk = group.isEmpty ? "/\(apiVersion.isEmpty ? "" : apiVersion), Kind=\(kind)" : "\(apiVersion), Kind=\(kind)"
                throw APIError.badRequest("cannot bind token to object of type \(gvk)")
            }
            if let uid = ref["uid"]?.string, !uid.isEmpty, uid != (bound.metaUID ?? "") {
                throw APIError.conflict(kind, name: refName, group: group, resource: kind,
                                        detail: "the UID in the bound object reference (\(uid)) does not match the UID in record. The object might have been deleted and then recreated")
            }
        }

        let now = Date()
        let lifetime = issuer.lifetime(requested: expirationSeconds, boundToPod: pod != nil, audiences: audiences)
        let claims = ServiceAccountClaims.make(
            issuer: issuer.signer.issuer, namespace: namespace, serviceAccount: .init(name: name, uid: account.metaUID ?? ""),
            audiences: audiences, expirationSeconds: lifetime.expiry, pod: pod, secret: secret, node: node,
            warnAfterSeconds: lifetime.warnAfter, now: now)
        let token: String
        do {
            token = try issuer.signer.sign(claims)
        } catch {
            throw APIError.internalError("failed to generate token: \(error)")
        }
        let response: JSON = [
            "kind": "TokenRequest", "apiVersion": .string(Self.tokenRequestAPIVersion),
            "metadata": ["name": .string(name), "namespace": .string(namespace), "creationTimestamp": .string(RFC3339.time(now))],
            "spec": spec,
            // What the client asked for, even when the JWT itself was extended.
            "status": ["token": .string(token), "expirationTimestamp": .string(RFC3339.time(now.addingTimeInterval(TimeInterval(expirationSeconds))))],
        ]
        return .json(response, status: 201)
    }

    /// A stored object or upstream's NotFound for it.
    private func object(_ group: String, _ resource: String, namespace: String?, name: String) async throws -> JSON {
        guard let store = store(group, resource) else { throw APIError.internalError("no store for \(resource)") }
        return try await store.get(namespace: namespace, name: name)
    }
}
