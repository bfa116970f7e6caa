import APIMachinery

/// The 403 upstream's `responsewriters.Forbidden` writes for a refused request:
/// `pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "default"`,
/// with the authorizers' reasons appended after a colon.
enum Forbidden {
    static func message(_ a: AuthorizationAttributes) -> String {
        let user = a.user.name
        guard a.isResourceRequest else {
            return "User \"\(user)\" cannot \(a.verb) path \"\(a.path)\""
        }
        let resource = a.subresource.isEmpty ? a.resource : a.resource + "/" + a.subresource
        if !a.namespace.isEmpty {
            return "User \"\(user)\" cannot \(a.verb) resource \"\(resource)\" in API group \"\(a.apiGroup)\" in the namespace \"\(a.namespace)\""
        }
        return "User \"\(user)\" cannot \(a.verb) resource \"\(resource)\" in API group \"\(a.apiGroup)\" at the cluster scope"
    }

    static func error(_ a: AuthorizationAttributes, reason: String) -> APIError {
        let detail = reason.isEmpty ? message(a) : message(a) + ": " + reason
        return error(group: a.isResourceRequest ? a.apiGroup : "", resource: a.isResourceRequest ? a.resource : "", name: a.name, detail)
    }

    /// `apierrors.NewForbidden(groupResource, name, err)`.
    static func error(group: String, resource: String, name: String, _ detail: String) -> APIError {
        let qualified = group.isEmpty ? resource : "\(resource).\(group)"
        let message: String
        if qualified.isEmpty {
            message = "forbidden: \(detail)"
        } else if name.isEmpty {
            message = "\(qualified) is forbidden: \(detail)"
        } else {
            message = "\(qualified) \"\(name)\" is forbidden: \(detail)"
        }
        var details: JSON = [:]
        if !name.isEmpty { details["name"] = .string(name) }
        if !group.isEmpty { details["group"] = .string(group) }
        if !resource.isEmpty { details["kind"] = .string(resource) }
        return APIError(code: 403, reason: "Forbidden", message: message, details: details)
    }
}
