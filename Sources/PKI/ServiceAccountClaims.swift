import APIMachinery
import Foundation

/// The claims of a bound service-account token, as upstream's `serviceaccount.Claims` makes them: the
/// registered JWT claims plus a private `kubernetes.io` claim naming the namespace, the service account and
/// the object the token is bound to (a pod — with the node it runs on — or a secret).
///
///     {"aud":["https://kubernetes.default.svc.cluster.local"],"exp":…,"iat":…,"iss":"https://kubernetes.default.svc.cluster.local",
///      "jti":"…","kubernetes.io":{"namespace":"default","node":{"name":…,"uid":…},"pod":{"name":…,"uid":…},
///      "serviceaccount":{"name":"default","uid":…},"warnafter":…},"nbf":…,"sub":"system:serviceaccount:default:default"}
public struct ServiceAccountClaims: Sendable, Equatable {
    /// A name and uid, as the private claim records each object.
    public struct ObjectRef: Sendable, Equatable {
        public var name: String
        public var uid: String
        public init(name: String, uid: String) {
            self.name = name
            self.uid = uid
        }
    }

    public var issuer: String
    public var subject: String
    /// Upstream's go-jose writes the audience as an array, even of one; both forms are read.
    public var audiences: [String]
    /// Seconds since the epoch (JWT NumericDate).
    public var issuedAt: Int64
    public var notBefore: Int64
    public var expiry: Int64
    /// `jti`: a fresh UUID per token (upstream's ServiceAccountTokenJTI, on by default since 1.30).
    public var id: String?
    public var namespace: String
    public var serviceAccount: ObjectRef
    public var pod: ObjectRef?
    public var secret: ObjectRef?
    public var node: ObjectRef?
    /// Set on the kubelet's 3607-second tokens when the server extends them to a year: the time after which
    /// upstream counts a use as stale (it only warns).
    public var warnAfter: Int64?

    public init(issuer: String, subject: String, audiences: [String], issuedAt: Int64, notBefore: Int64, expiry: Int64,
                id: String? = nil, namespace: String, serviceAccount: ObjectRef, pod: ObjectRef? = nil,
                secret: ObjectRef? = nil, node: ObjectRef? = nil, warnAfter: Int64? = nil) {
        self.issuer = issuer
        self.subject = subject
        self.audiences = audiences
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.expiry = expiry
        self.id = id
        self.namespace = namespace
        self.serviceAccount = serviceAccount
        self.pod = pod
        self.secret = secret
        self.node = node
        self.warnAfter = warnAfter
    }

    /// Upstream's `Claims(sa, pod, secret, node, expirationSeconds, warnafter, audience)`: issued and valid
    /// from `now`, expiring `expirationSeconds` later; the subject is the service account's user name.
    public static func make(
        issuer: String, namespace: String, serviceAccount: ObjectRef, audiences: [String], expirationSeconds: Int64,
        pod: ObjectRef? = nil, secret: ObjectRef? = nil, node: ObjectRef? = nil, warnAfterSeconds: Int64? = nil,
        now: Date = Date()
    ) -> ServiceAccountClaims {
        let t = Int64(now.timeIntervalSince1970)
        return ServiceAccountClaims(
            issuer: issuer, subject: ServiceAccountUser.userName(namespace: namespace, name: serviceAccount.name),
            audiences: audiences, issuedAt: t, notBefore: t, expiry: t + expirationSeconds,
            id: UUID().uuidString.lowercased(), namespace: namespace, serviceAccount: serviceAccount,
            pod: pod, secret: secret, node: pod == nil ? nil : node, warnAfter: warnAfterSeconds.map { t + $0 })
    }

    /// The JWT payload.
    public var json: JSON {
        func ref(_ r: ObjectRef) -> JSON { ["name": .string(r.name), "uid": .string(r.uid)] }
        var k8s: JSON = ["namespace": .string(namespace), "serviceaccount": ref(serviceAccount)]
        if let pod { k8s["pod"] = ref(pod) }
        if let secret { k8s["secret"] = ref(secret) }
        if let node { k8s["node"] = ref(node) }
        if let warnAfter { k8s["warnafter"] = .int(warnAfter) }
        var out: JSON = [
            "iss": .string(issuer), "sub": .string(subject), "aud": .array(audiences.map(JSON.string)),
            "iat": .int(issuedAt), "nbf": .int(notBefore), "exp": .int(expiry), "kubernetes.io": k8s,
        ]
        if let id { out["jti"] = .string(id) }
        return out
    }

    /// Reads a payload; nil when a claim a service-account token must have is missing or of the wrong type.
    public init?(json: JSON) {
        guard let iss = json["iss"]?.string, let sub = json["sub"]?.string, let exp = Self.numericDate(json["exp"]),
              let k8s = json["kubernetes.io"], let ns = k8s["namespace"]?.string, !ns.isEmpty,
              let sa = Self.ref(k8s["serviceaccount"]), !sa.name.isEmpty
        else { return nil }
        let audiences: [String]
        switch json["aud"] {
        case .string(let a)?: audiences = [a]
        case .array(let items)?: audiences = items.compactMap(\.string)
        default: audiences = []
        }
        self.init(
            issuer: iss, subject: sub, audiences: audiences, issuedAt: Self.numericDate(json["iat"]) ?? 0,
            notBefore: Self.numericDate(json["nbf"]) ?? 0, expiry: exp, id: json["jti"]?.string, namespace: ns,
            serviceAccount: sa, pod: Self.ref(k8s["pod"]), secret: Self.ref(k8s["secret"]), node: Self.ref(k8s["node"]),
            warnAfter: Self.numericDate(k8s["warnafter"]))
    }

    private static func ref(_ j: JSON?) -> ObjectRef? {
        guard let j, j.isObject else { return nil }
        return ObjectRef(name: j["name"]?.string ?? "", uid: j["uid"]?.string ?? "")
    }

    /// A NumericDate may be written with a fraction.
    private static func numericDate(_ j: JSON?) -> Int64? {
        if let i = j?.int { return i }
        if let d = j?.double, d.isFinite, abs(d) < 1e15 { return Int64(d) }
        return nil
    }
}

/// How service accounts appear as users (upstream's `k8s.io/apiserver/pkg/authentication/serviceaccount`).
public enum ServiceAccountUser {
    public static let prefix = "system:serviceaccount:"
    public static let allServiceAccountsGroup = "system:serviceaccounts"

    /// `system:serviceaccount:<namespace>:<name>`.
    public static func userName(namespace: String, name: String) -> String { "\(prefix)\(namespace):\(name)" }

    /// `system:serviceaccounts` and `system:serviceaccounts:<namespace>`.
    public static func groups(namespace: String) -> [String] { [allServiceAccountsGroup, "\(allServiceAccountsGroup):\(namespace)"] }

    /// The user a verified token's claims name: the account's uid, its groups, and as extra the bound pod
    /// and node and the token's id (upstream's `ServiceAccountInfo.UserInfo`).
    public static func user(from claims: ServiceAccountClaims) -> AuthenticatedUser {
        var extra: [String: [String]] = [:]
        if let pod = claims.pod {
            extra["authentication.kubernetes.io/pod-name"] = [pod.name]
            extra["authentication.kubernetes.io/pod-uid"] = [pod.uid]
        }
        if let node = claims.node {
            extra["authentication.kubernetes.io/node-name"] = [node.name]
            extra["authentication.kubernetes.io/node-uid"] = [node.uid]
        }
        if let id = claims.id, !id.isEmpty { extra["authentication.kubernetes.io/credential-id"] = ["JTI=\(id)"] }
        return AuthenticatedUser(
            name: userName(namespace: claims.namespace, name: claims.serviceAccount.name), uid: claims.serviceAccount.uid,
            groups: groups(namespace: claims.namespace), extra: extra)
    }
}
