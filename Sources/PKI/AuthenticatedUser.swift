/// Who a request comes from, as upstream's `user.Info`: what authorization (RBAC) decides on and what
/// `kubectl auth whoami` shows.
public struct AuthenticatedUser: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    /// Empty for certificate users (a certificate carries no UID); the third column of a token file.
    public var uid: String
    public var groups: [String]
    /// Further facts authenticators attach (a service-account token's bound pod and node, its id).
    public var extra: [String: [String]]

    public init(name: String, uid: String = "", groups: [String] = [], extra: [String: [String]] = [:]) {
        self.name = name
        self.uid = uid
        self.groups = groups
        self.extra = extra
    }

    /// The group every authenticated user is in.
    public static let allAuthenticated = "system:authenticated"
    /// The group of requests no authenticator recognised.
    public static let allUnauthenticated = "system:unauthenticated"
    /// The name given to unauthenticated requests.
    public static let anonymousName = "system:anonymous"

    /// The user who sent no credentials, as upstream's anonymous authenticator makes it.
    public static let anonymous = AuthenticatedUser(name: anonymousName, groups: [allUnauthenticated])

    /// Adds `system:authenticated` as upstream's AuthenticatedGroupAdder does after any authenticator
    /// succeeds: not for `system:anonymous`, and not when either of the all-users groups is already there.
    public func addingAuthenticatedGroup() -> AuthenticatedUser {
        if name == Self.anonymousName { return self }
        if groups.contains(where: { $0 == Self.allAuthenticated || $0 == Self.allUnauthenticated }) { return self }
        var copy = self
        copy.groups.append(Self.allAuthenticated)
        return copy
    }

    public var description: String {
        "\(name) (uid \(String(reflecting: uid)), groups \(groups))"
    }
}
