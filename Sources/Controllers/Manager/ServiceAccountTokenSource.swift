import APIMachinery
import Client
import Logging
import Synchronization

/// The bearer token of one controller's client under `--use-service-account-credentials`: a TokenRequest
/// for the service account `namespace/name`, made with the controller manager's own client and renewed
/// before it expires (upstream's `clientbuilder.tokenSourceImpl` behind a caching token source).
///
/// The account is made when missing, once (AlreadyExists is fine: another copy of the controller manager
/// or an earlier run made it); a TokenRequest that answers 404 (the account was deleted since) makes it
/// again. A failed attempt is retried after 0.5, 1 and 2 s, as upstream's backoff; when every attempt
/// fails, the request that asked gets the error and the next request starts over. Concurrent requests
/// share one fetch. Times are read from an injectable clock, so tests move past the refresh point by hand.
public final class ServiceAccountTokenSource: BearerTokenSource {
    /// Upstream's `defaultExpirationSeconds` of the dynamic client builder.
    public static let defaultExpirationSeconds: Int64 = 3600
    /// Upstream's `defaultLeewayPercent`: a token is renewed with a fifth of its lifetime left.
    public static let leewayPercent: Int64 = 20
    /// The waits between attempts of one fetch (upstream: 500 ms, factor 2, 4 steps).
    static let retryDelays: [Duration] = [.milliseconds(500), .seconds(1), .seconds(2)]

    public let namespace: String
    public let name: String
    let root: KubeClient
    let expirationSeconds: Int64
    let clock: any MonotonicClock
    let logger: Logger

    private struct State {
        var token: String?
        var refreshAt: ContinuousClock.Instant?
        var fetch: Task<String, any Error>?
        var accountExists = false
    }
    private let state = Mutex(State())

    public init(root: KubeClient, namespace: String, name: String, expirationSeconds: Int64 = defaultExpirationSeconds,
                clock: any MonotonicClock = ContinuousClock(), logger: Logger = Logger(label: "controller-manager")) {
        self.root = root
        self.namespace = namespace
        self.name = name
        self.expirationSeconds = expirationSeconds
        self.clock = clock
        self.logger = logger
    }

    public func token() async throws -> String {
        let now = clock.now
        let fetch = state.withLock { s -> Task<String, any Error>? in
            if let token = s.token, let at = s.refreshAt, now < at { return nil }
            if let running = s.fetch { return running }
            let task = Task { try await self.fetchWithRetries() }
            s.fetch = task
            return task
        }
        guard let fetch else {
            return try state.withLock { s in
                guard let t = s.token else { throw APIError.internalError("no token for \(namespace)/\(name)") }
                return t
            }
        }
        return try await fetch.value
    }

    public func invalidate() {
        state.withLock { $0.refreshAt = nil }
    }

    /// The instant the current token is renewed at (nil before the first one or after `invalidate`).
    public var refreshAt: ContinuousClock.Instant? { state.withLock { $0.refreshAt } }

    private func fetchWithRetries() async throws -> String {
        defer { state.withLock { $0.fetch = nil } }
        var attempt = 0
        while true {
            do {
                let started = clock.now
                let (token, seconds) = try await requestToken()
                let lifetime = Duration.seconds(seconds)
                state.withLock { s in
                    s.token = token
                    s.refreshAt = started.advanced(by: lifetime - lifetime * Int(Self.leewayPercent) / 100)
                }
                return token
            } catch {
                logger.warning("get token for \(namespace)/\(name) failed: \(error)")
                guard attempt < Self.retryDelays.count else { throw error }
                try await clock.sleep(for: Self.retryDelays[attempt])
                attempt += 1
            }
        }
    }

    /// One attempt: the account (when not known to exist), then the TokenRequest.
    private func requestToken() async throws -> (token: String, seconds: Int64) {
        if !state.withLock({ $0.accountExists }) {
            try await ensureAccount()
            state.withLock { $0.accountExists = true }
        }
        let request: JSON = [
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
            "spec": ["expirationSeconds": .int(expirationSeconds)],
        ]
        let answer: JSON
        do {
            answer = try await root.send(.POST, ResourcePath.serviceaccounts.inNamespace(namespace).item(name, subresource: "token"), body: request)
        } catch let e as APIError where e.code == 404 {
            state.withLock { $0.accountExists = false }
            throw e
        }
        guard let token = answer[path: ["status", "token"]]?.string, !token.isEmpty else {
            throw APIError.internalError("the TokenRequest for \(namespace)/\(name) returned no token")
        }
        return (token, answer[path: ["spec", "expirationSeconds"]]?.int ?? expirationSeconds)
    }

    /// Upstream's `getOrCreateServiceAccount`.
    private func ensureAccount() async throws {
        let accounts = ResourcePath.serviceaccounts.inNamespace(namespace)
        do {
            _ = try await root.get(accounts, name)
            return
        } catch let e as APIError where e.code == 404 {}
        do {
            try await root.create(accounts, ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": .string(name), "namespace": .string(namespace)]])
        } catch let e as APIError where e.code == 409 {}
    }
}
