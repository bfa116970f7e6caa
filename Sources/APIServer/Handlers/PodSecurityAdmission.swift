import APIMachinery
import Foundation
import Registry

/// Upstream's PodSecurity admission plugin (Pod Security Standards), run as validating admission on
/// creates and updates: the namespace's `pod-security.kubernetes.io/*` labels say which level each mode
/// applies. A pod that violates the `enforce` level is refused with 403; `warn` answers with a Warning
/// header; `audit` annotates the audit event. Workload objects (Deployments, Jobs, ...) get `warn` and
/// `audit` on their pod template only, as their pods are enforced when created. A namespace's labels are
/// validated, and tightening its enforce level warns about the existing pods it would refuse. The checks
/// themselves are pure, in `Registry/Admission/PodSecurity`. No exemptions, as upstream's defaults.
extension APIHandler {
    static let podSecurityPlugin = "PodSecurity"

    func admitPodSecurity(_ ctx: RequestContext, _ object: JSON, old: JSON?) async throws {
        guard ctx.ri.subresource == nil, ctx.custom == nil else { return }
        let group = ctx.info.group, resource = ctx.info.resource
        if group.isEmpty && resource == "namespaces" {
            return try await admitNamespacePodSecurity(ctx, object, old: old)
        }
        let isPod = group.isEmpty && resource == "pods"
        guard isPod || PodSecurityTargets.templatePaths["\(group)/\(resource)"] != nil else { return }
        // An update retried after a conflict is judged afresh: what an earlier attempt warned goes.
        ctx.admissionWarnings.set(Self.podSecurityPlugin, [])
        // Most pod updates (controllers' metadata writes) change nothing judged: no namespace read for them.
        if isPod, let old, !PodSecurityTargets.isSignificantPodUpdate(object, old: old) { return }
        guard let namespace = ctx.ri.namespace,
              let ns = try await namespaces.getIfExists(namespace: nil, name: namespace) else { return }
        let (policy, errors) = PodSecurityPolicy.from(labels: ns[path: ["metadata", "labels"]]?.stringMap ?? [:])
        let subject: PodSecuritySubject
        if isPod {
            if errors.isEmpty && policy.isFullyPrivileged { return }
            subject = PodSecuritySubject(template: object)
        } else {
            if errors.isEmpty && policy.warn.level == .privileged && policy.audit.level == .privileged { return }
            guard let template = PodSecurityTargets.template(group: group, resource: resource, object) else { return }
            subject = template
        }
        try evaluatePodSecurity(ctx, policy: policy, errors: errors, subject: subject, enforce: isPod, name: object.metaName ?? "")
    }

    /// Upstream's `EvaluatePod`: enforce (pods only), then audit, then warn unless already refused.
    private func evaluatePodSecurity(_ ctx: RequestContext, policy: PodSecurityPolicy, errors: [FieldError],
                                     subject: PodSecuritySubject, enforce: Bool, name: String) throws {
        let evaluator = PodSecurityEvaluator.shared
        let prefix = PodSecurityPolicy.labelPrefix
        var annotations: [String: String] = [:]
        if !errors.isEmpty {
            let list = errors.map(\.message)
            annotations[prefix + "error"] = "Failed to parse policy: " + (list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]")
        }
        var refusal: APIError?
        if enforce {
            annotations[prefix + "enforce-policy"] = policy.enforce.description
            if let v = evaluator.violations(policy.enforce, subject) {
                let qualified = ctx.info.group.isEmpty ? ctx.info.resource : "\(ctx.info.resource).\(ctx.info.group)"
                refusal = APIError(
                    code: 403, reason: "Forbidden",
                    message: "\(qualified) \(GoQuoting.quote(name)) is forbidden: violates PodSecurity \(GoQuoting.quote(policy.enforce.description)): \(v.detail)",
                    details: ["name": .string(name), "group": .string(ctx.info.group), "kind": .string(ctx.info.resource)])
            }
        }
        if let v = evaluator.violations(policy.audit, subject) {
            annotations[prefix + "audit-violations"] = "would violate PodSecurity \(GoQuoting.quote(policy.audit.description)): \(v.detail)"
        }
        var warnings: [String] = []
        if refusal == nil, let v = evaluator.violations(policy.warn, subject) {
            warnings.append("would violate PodSecurity \(GoQuoting.quote(policy.warn.description)): \(v.detail)")
        }
        ctx.request.audit?.annotate(annotations)
        ctx.admissionWarnings.set(Self.podSecurityPlugin, warnings)
        if let refusal { throw refusal }
    }

    /// Upstream's `ValidateNamespace`: labels must parse on create, and on an update that changes them;
    /// a tightened enforce level reviews the namespace's pods.
    private func admitNamespacePodSecurity(_ ctx: RequestContext, _ namespace: JSON, old: JSON?) async throws {
        let name = namespace.metaName ?? ""
        let (policy, errors) = PodSecurityPolicy.from(labels: namespace[path: ["metadata", "labels"]]?.stringMap ?? [:])
        let invalid = APIError.invalid(kind: "Namespace", name: name, group: "", errors: errors)
        guard let old else {
            if !errors.isEmpty { throw invalid }
            return
        }
        let (oldPolicy, oldErrors) = PodSecurityPolicy.from(labels: old[path: ["metadata", "labels"]]?.stringMap ?? [:])
        if !errors.isEmpty && (oldErrors.isEmpty || errors.map(\.message) != oldErrors.map(\.message)) { throw invalid }
        guard PodSecurityNamespaceReview.isNeeded(old: oldPolicy, new: policy), let pods = store("", "pods") else {
            ctx.admissionWarnings.set(Self.podSecurityPlugin, [])
            return
        }
        let existing = try await pods.list(namespace: name, filter: nil, limit: 0, continueToken: nil, revision: nil).items
        ctx.admissionWarnings.set(Self.podSecurityPlugin,
                                  PodSecurityNamespaceReview.warnings(namespace: name, enforce: policy.enforce, pods: existing))
    }
}
