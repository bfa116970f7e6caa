import APIMachinery
import Foundation
import Registry

/// Upstream's LimitRanger admission (`LimitRanger` holds the rules): the namespace's LimitRanges are
/// read from the store on every request, so a LimitRange applies from the moment it is written (upstream
/// reads an informer's cache, falling back to a live list when that is empty).
extension APIHandler {
    /// Mutating half, on a new pod after defaulting: containers get the LimitRanges' defaults.
    func admitLimitRangeDefaults(_ ctx: RequestContext, _ obj: inout JSON) async throws {
        guard ctx.info.resource == "pods",
              LimitRanger.applies(group: ctx.info.group, resource: ctx.info.resource, subresource: ctx.ri.subresource, old: nil)
        else { return }
        let ranges = try await limitRanges(in: ctx.ri.namespace)
        guard !ranges.isEmpty else { return }
        LimitRanger.applyDefaults(toPod: &obj, limitRanges: ranges)
    }

    /// Validating half, after the strategy's validation: a pod (on create) or claim (on create or update)
    /// outside a LimitRange's bounds is refused with 403 and upstream's message. `old` is nil on a create.
    func validateLimitRanges(_ ctx: RequestContext, _ obj: JSON, old: JSON?) async throws {
        guard LimitRanger.applies(group: ctx.info.group, resource: ctx.info.resource, subresource: ctx.ri.subresource, old: old) else { return }
        let ranges = try await limitRanges(in: ctx.ri.namespace)
        guard let why = LimitRanger.violation(resource: ctx.info.resource, object: obj, limitRanges: ranges) else { return }
        let name = obj.metaName ?? ""
        let subject = name.isEmpty ? ctx.info.resource : "\(ctx.info.resource) \(GoQuoting.quote(name))"
        throw APIError(code: 403, reason: "Forbidden", message: "\(subject) is forbidden: \(why)",
                       details: ["name": .string(name), "group": .string(ctx.info.group), "kind": .string(ctx.info.resource)])
    }

    private func limitRanges(in namespace: String?) async throws -> [JSON] {
        guard let namespace, let ranges = store("", "limitranges") else { return [] }
        return try await ranges.list(namespace: namespace, filter: nil, limit: 0, continueToken: nil, revision: nil).items
    }
}
