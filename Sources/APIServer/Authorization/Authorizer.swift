/// What an authorizer says about a request (upstream's `authorizer.Decision` with its reason).
public enum AuthorizationDecision: Sendable, Equatable {
    case allow(reason: String)
    case deny(reason: String)
    /// Neither: the next authorizer in the chain decides; when none does the request is forbidden.
    case noOpinion(reason: String)

    public var isAllowed: Bool { if case .allow = self { return true }; return false }

    public var reason: String {
        switch self {
        case .allow(let r), .deny(let r), .noOpinion(let r): return r
        }
    }
}

/// One link of the authorization chain (`--authorization-mode=Node,RBAC`).
public protocol Authorizer: Sendable {
    func authorize(_ attributes: AuthorizationAttributes) async -> AuthorizationDecision
}

/// Upstream's union authorizer: the first allow or deny wins; the reasons of those with no opinion are
/// joined for the 403 message.
public struct AuthorizerChain: Authorizer {
    public let authorizers: [any Authorizer]

    public init(_ authorizers: [any Authorizer]) { self.authorizers = authorizers }

    public func authorize(_ attributes: AuthorizationAttributes) async -> AuthorizationDecision {
        var reasons: [String] = []
        for a in authorizers {
            let d = await a.authorize(attributes)
            switch d {
            case .allow, .deny: return d
            case .noOpinion(let r): if !r.isEmpty { reasons.append(r) }
            }
        }
        return .noOpinion(reason: reasons.joined(separator: ", "))
    }
}
