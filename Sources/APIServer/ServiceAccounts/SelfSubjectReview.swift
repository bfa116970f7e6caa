import APIMachinery
import Foundation
import PKI

/// `POST /apis/authentication.k8s.io/v1/selfsubjectreviews`: the caller's own identity as authentication
/// saw it — what `kubectl auth whoami` prints. Served as a bare endpoint (nothing is stored, and the
/// group is not in discovery, which `kubectl auth whoami` does not consult).
enum SelfSubjectReview {
    static let path = "/apis/authentication.k8s.io/v1/selfsubjectreviews"

    static func answer(_ request: APIRequest) throws -> APIResponse {
        guard request.method == "POST" else {
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
        // A plain-HTTP server treats every request as the administrator's.
        let user = request.userInfo ?? AuthenticatedUser(name: request.user, groups: ["system:masters", AuthenticatedUser.allAuthenticated])
        var info: JSON = ["username": .string(user.name), "groups": .array(user.groups.map(JSON.string))]
        if !user.uid.isEmpty { info["uid"] = .string(user.uid) }
        if !user.extra.isEmpty {
            info["extra"] = .object(user.extra.mapValues { .array($0.map(JSON.string)) })
        }
        return .json([
            "kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
            "metadata": ["creationTimestamp": .string(RFC3339.time())],
            "status": ["userInfo": info],
        ], status: 201)
    }
}
