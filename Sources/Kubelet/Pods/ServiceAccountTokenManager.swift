import APIMachinery
import Foundation
import Synchronization

/// The tokens of pods' projected `serviceAccountToken` volumes (upstream's kubelet token manager): each is
/// requested from the API server's `serviceaccounts/token` subresource, bound to its pod, cached, and
/// requested again once 80% of its lifetime has passed or it is older than a day — so every sync can ask
/// for the token without asking the API server each time.
public final class ServiceAccountTokenManager: Sendable {
    /// POSTs an `authentication.k8s.io/v1 TokenRequest` for `serviceAccount` in `namespace` and returns the
    /// answered request (with `status.token` and `status.expirationTimestamp`).
    public typealias Fetch = @Sendable (_ namespace: String, _ serviceAccount: String, _ request: JSON) async throws -> JSON

    /// Tokens are refreshed at least this often, whatever their lifetime.
    static let maxTTL: TimeInterval = 24 * 3600
    /// Upstream spreads refreshes by up to ten seconds so a node's pods do not all refresh at once.
    static let maxJitter: TimeInterval = 10

    /// What makes two projections share a token.
    struct Key: Hashable {
        var namespace: String
        var serviceAccount: String
        var audience: String
        var expirationSeconds: Int64
        var podName: String
        var podUID: String
    }

    struct Entry {
        var token: String
        var expiration: Date
        var expirationSeconds: Int64
        /// When it was issued, as far as the kubelet can tell: its expiry minus its requested lifetime.
        var issued: Date { expiration.addingTimeInterval(-TimeInterval(expirationSeconds)) }
    }

    let fetch: Fetch
    let now: @Sendable () -> Date
    let jitter: @Sendable () -> TimeInterval
    private let cache = Mutex<[Key: Entry]>([:])

    public convenience init(fetch: @escaping Fetch) {
        self.init(fetch: fetch, now: { Date() }, jitter: { Double.random(in: 0..<ServiceAccountTokenManager.maxJitter) })
    }

    init(fetch: @escaping Fetch, now: @escaping @Sendable () -> Date, jitter: @escaping @Sendable () -> TimeInterval) {
        self.fetch = fetch
        self.now = now
        self.jitter = jitter
    }

    /// The token for `pod`'s projection: cached unless due for refresh. A failed refresh keeps serving the
    /// cached token until it expires (upstream does the same); a failed first request throws.
    public func token(pod: JSON, audience: String, expirationSeconds: Int64) async throws -> String {
        let key = Key(
            namespace: pod[path: ["metadata", "namespace"]]?.string ?? "default",
            serviceAccount: pod[path: ["spec", "serviceAccountName"]]?.string ?? "",
            audience: audience, expirationSeconds: expirationSeconds,
            podName: pod[path: ["metadata", "name"]]?.string ?? "", podUID: pod[path: ["metadata", "uid"]]?.string ?? "")
        let cached = cache.withLock { $0[key] }
        if let cached, !requiresRefresh(cached) { return cached.token }
        let request: JSON = [
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
            "spec": [
                "audiences": audience.isEmpty ? [] : [.string(audience)],
                "expirationSeconds": .int(expirationSeconds),
                "boundObjectRef": ["apiVersion": "v1", "kind": "Pod", "name": .string(key.podName), "uid": .string(key.podUID)],
            ],
        ]
        let entry: Entry
        do {
            let answer = try await fetch(key.namespace, key.serviceAccount, request)
            guard let token = answer[path: ["status", "token"]]?.string, !token.isEmpty,
                  let expiration = answer[path: ["status", "expirationTimestamp"]]?.string.flatMap(RFC3339.parse)
            else { throw APIError.internalError("the token request for service account \(key.serviceAccount) returned no token") }
            entry = Entry(token: token, expiration: expiration,
                          expirationSeconds: answer[path: ["spec", "expirationSeconds"]]?.int ?? expirationSeconds)
        } catch {
            if let cached, cached.expiration > now() { return cached.token }
            let message = (error as? APIError)?.message ?? "\(error)"
            throw APIError.badRequest("failed to fetch token for service account \(key.namespace)/\(key.serviceAccount): \(message)")
        }
        cache.withLock { $0[key] = entry }
        return entry.token
    }

    /// When `entry` is due: a day after it was issued, or with 20% of its lifetime left, whichever is first.
    func refreshDue(_ entry: Entry) -> Date {
        min(entry.issued.addingTimeInterval(Self.maxTTL),
            entry.expiration.addingTimeInterval(-TimeInterval(entry.expirationSeconds * 20 / 100)))
    }

    /// Upstream's `requiresRefresh`: past its due time less a jitter.
    func requiresRefresh(_ entry: Entry) -> Bool {
        now() > refreshDue(entry).addingTimeInterval(-jitter())
    }

    /// When the earliest of `podUID`'s tokens is due for a refresh; nil when it has none.
    public func nextRefresh(podUID: String) -> Date? {
        cache.withLock { cache in
            cache.filter { $0.key.podUID == podUID }.values.map(refreshDue).min()
        }
    }

    /// Drops the tokens of a pod that is gone.
    public func forget(podUID: String) {
        cache.withLock { cache in cache = cache.filter { $0.key.podUID != podUID } }
    }
}
