import APIMachinery
import Foundation
import PKI

/// `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` and `Impersonate-Extra-<key>` (kubectl's
/// `--as`, `--as-group`, `--as-uid`): each requested attribute is checked with the `impersonate` verb
/// (on `users`, `groups`, `uids`, `userextras/<key>`, or the service account itself), and the request then
/// runs as the impersonated user, as upstream's impersonation filter does.
enum Impersonation {
    struct Request: Sendable {
        var user: String?
        var groups: [String]
        var uid: String?
        var extra: [String: [String]]
    }

    /// The impersonation the headers ask for, nil when none.
    static func requested(_ headers: [String: String]) -> Request? {
        var r = Request(user: headers["impersonate-user"], groups: [], uid: headers["impersonate-uid"], extra: [:])
        if let g = headers["impersonate-group"] {
            r.groups = g.components(separatedBy: ", ").filter { !$0.isEmpty }
        }
        for (k, v) in headers where k.hasPrefix("impersonate-extra-") {
            let key = String(k.dropFirst("impersonate-extra-".count)).removingPercentEncoding ?? ""
            r.extra[key] = v.components(separatedBy: ", ")
        }
        if r.user == nil && r.groups.isEmpty && r.uid == nil && r.extra.isEmpty { return nil }
        return r
    }

    /// The user the request runs as, or the 403 (or 400) for an impersonation the caller may not do.
    static func impersonate(_ r: Request, as caller: AuthenticatedUser, authorizer: any Authorizer) async throws -> AuthenticatedUser {
        guard let name = r.user, !name.isEmpty else {
            throw APIError.badRequest("requested \(describe(r)) without impersonating a user")
        }
        var checks: [AuthorizationAttributes] = []
        var groups: [String] = []
        let saPrefix = "system:serviceaccount:"
        if name.hasPrefix(saPrefix) {
            let parts = name.dropFirst(saPrefix.count).split(separator: ":", maxSplits: 1).map(String.init)
            if parts.count == 2 {
                checks.append(AuthorizationAttributes(user: caller, verb: "impersonate", namespace: parts[0], resource: "serviceaccounts", name: parts[1]))
                groups += ["system:serviceaccounts", "system:serviceaccounts:\(parts[0])"]
            } else {
                checks.append(AuthorizationAttributes(user: caller, verb: "impersonate", resource: "users", name: name))
            }
        } else {
            checks.append(AuthorizationAttributes(user: caller, verb: "impersonate", resource: "users", name: name))
        }
        for g in r.groups {
            checks.append(AuthorizationAttributes(user: caller, verb: "impersonate", resource: "groups", name: g))
        }
        if let uid = r.uid {
            checks.append(AuthorizationAttributes(user: caller, verb: "impersonate", apiGroup: "authentication.k8s.io", resource: "uids", name: uid))
        }
        for (key, values) in r.extra.sorted(by: { $0.key < $1.key }) {
            for v in values {
                checks.append(AuthorizationAttributes(user: caller, verb: "impersonate", apiGroup: "authentication.k8s.io",
                                                      resource: "userextras", subresource: key, name: v))
            }
        }
        for check in checks {
            let d = await authorizer.authorize(check)
            if !d.isAllowed { throw Forbidden.error(check, reason: d.reason) }
        }
        // Explicit groups come first; the service account's groups and the all-users group are added.
        var all = r.groups
        for g in groups where !all.contains(g) { all.append(g) }
        var user = AuthenticatedUser(name: name, uid: r.uid ?? "", groups: all, extra: r.extra)
        if name == AuthenticatedUser.anonymousName {
            if !user.groups.contains(AuthenticatedUser.allUnauthenticated) { user.groups.append(AuthenticatedUser.allUnauthenticated) }
        } else {
            user = user.addingAuthenticatedGroup()
        }
        return user
    }

    static func describe(_ r: Request) -> String {
        var parts: [String] = []
        for g in r.groups { parts.append("{Group  \(g)  }") }
        if let uid = r.uid { parts.append("{UID  \(uid)  }") }
        return "[" + parts.joined(separator: " ") + "]"
    }
}
