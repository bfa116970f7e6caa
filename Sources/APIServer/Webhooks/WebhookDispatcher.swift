import APIMachinery
import Foundation

/// Upstream's MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins: which webhooks a request
/// goes to, what is sent, and what their answers do — patches applied in order with one reinvocation
/// round, validating webhooks asked in parallel, `failurePolicy` deciding what an unreachable or
/// misbehaving webhook means, and dry-run requests kept from webhooks that have side effects.
struct WebhookDispatcher: Sendable {
    let transport: any WebhookTransport
    /// Fresh request UIDs (injectable so tests can predict them).
    var newUID: @Sendable () -> String = { UUID().uuidString.lowercased() }

    /// What the webhooks said besides yes or no: Warning headers and audit annotations.
    struct Effects: Sendable {
        var warnings: [String] = []
        var auditAnnotations: [String: String] = [:]
    }

    /// Runs the mutating webhooks that apply, in order, on `a.object`; `redefault` is applied to each
    /// patched object, as upstream defaults what a webhook returns. Throws the refusal the request ends with.
    func mutate(_ a: inout AdmissionAttributes, hooks: [AdmissionWebhook], namespaceLabels: [String: String]?,
                redefault: (inout JSON) -> Void, effects: inout Effects) async throws(APIError) {
        let applicable = hooks.enumerated().filter { $0.element.applies(to: a, namespaceLabels: namespaceLabels) }
        guard !applicable.isEmpty else { return }
        // Round 0 calls every applicable webhook. A webhook with reinvocationPolicy IfNeeded is called once
        // more (round 1) if a webhook after it changed the object (upstream's reinvocation context).
        var lastChange: Int?
        var reinvocable: [Int] = []
        // A webhook whose matchConditions are false is not called at all: no audit annotation, and not
        // reinvocable (upstream skips it before the reinvocation context hears of it).
        for (index, hook) in applicable {
            guard try matches(hook, a, round: 0, index: index, effects: &effects) else { continue }
            if try await callMutating(hook, &a, round: 0, index: index, redefault: redefault, effects: &effects) { lastChange = index }
            if hook.reinvokeIfNeeded { reinvocable.append(index) }
        }
        guard let lastChange else { return }
        for (index, hook) in applicable where reinvocable.contains(index) && index < lastChange {
            // The object changed since round 0, so the conditions are asked again.
            guard try matches(hook, a, round: 1, index: index, effects: &effects) else { continue }
            _ = try await callMutating(hook, &a, round: 1, index: index, redefault: redefault, effects: &effects)
        }
    }

    /// Asks the validating webhooks that apply, all at once; the first refusal in webhook order wins.
    func validate(_ a: AdmissionAttributes, hooks: [AdmissionWebhook], namespaceLabels: [String: String]?,
                  effects: inout Effects) async throws(APIError) {
        let applicable = hooks.enumerated().filter { $0.element.applies(to: a, namespaceLabels: namespaceLabels) }
        guard !applicable.isEmpty else { return }
        let outcomes = await withTaskGroup(of: (Int, Result<Effects, APIError>).self) { group in
            for (index, hook) in applicable {
                group.addTask {
                    var own = Effects()
                    do throws(APIError) {
                        guard try self.matches(hook, a, round: 0, index: index, effects: &own) else { return (index, .success(own)) }
                        _ = try await self.call(hook, a, round: 0, index: index, effects: &own)
                        return (index, .success(own))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var all: [(Int, Result<Effects, APIError>)] = []
            for await outcome in group { all.append(outcome) }
            return all.sorted { $0.0 < $1.0 }
        }
        for (_, outcome) in outcomes {
            if case .success(let own) = outcome {
                effects.warnings += own.warnings
                effects.auditAnnotations.merge(own.auditAnnotations) { _, new in new }
            }
        }
        for (_, outcome) in outcomes {
            if case .failure(let e) = outcome { throw e }
        }
    }

    /// One mutating call; returns whether the object changed.
    private func callMutating(_ hook: AdmissionWebhook, _ a: inout AdmissionAttributes, round: Int, index: Int,
                              redefault: (inout JSON) -> Void, effects: inout Effects) async throws(APIError) -> Bool {
        guard let patch = try await call(hook, a, round: round, index: index, effects: &effects) else {
            effects.auditAnnotations["mutation.webhook.admission.k8s.io/round_\(round)_index_\(index)"] = annotation(hook, mutated: false)
            return false
        }
        guard let object = a.object else {
            throw .internalError("admission webhook \(GoQuoting.quote(hook.name)) attempted to modify the object, which is not supported for this operation")
        }
        var patched: JSON
        do throws(PatchError) {
            patched = try JSONPatch.apply(patch, to: object)
        } catch {
            throw .internalError(error.message)
        }
        redefault(&patched)
        let changed = patched != object
        a.object = patched
        effects.auditAnnotations["mutation.webhook.admission.k8s.io/round_\(round)_index_\(index)"] = annotation(hook, mutated: changed)
        return changed
    }

    private func annotation(_ hook: AdmissionWebhook, mutated: Bool) -> String {
        #"{"configuration":"\#(hook.configurationName)","webhook":"\#(hook.name)","mutated":\#(mutated)}"#
    }

    /// `matchConditions`: whether the webhook is called at all. A condition that cannot be evaluated goes to
    /// `failurePolicy` (Fail throws; Ignore skips the webhook and says so in the audit annotations).
    private func matches(_ hook: AdmissionWebhook, _ a: AdmissionAttributes, round: Int, index: Int,
                         effects: inout Effects) throws(APIError) -> Bool {
        switch WebhookMatchCondition.evaluate(hook.matchConditions, a) {
        case .success(let matched):
            return matched
        case .failure(let e):
            _ = try failed(hook, WebhookCallFailure(webhook: hook.name, reason: e.description), round: round, index: index, effects: &effects)
            return false
        }
    }

    /// Sends the review and reads the verdict. Returns the patch a mutating webhook sent (nil for none);
    /// throws the refusal, or the failure when the webhook fails closed.
    private func call(_ hook: AdmissionWebhook, _ a: AdmissionAttributes, round: Int, index: Int,
                      effects: inout Effects) async throws(APIError) -> JSON? {
        if a.dryRun {
            guard hook.sideEffects != nil else {
                throw WebhookCallFailure(webhook: hook.name, reason: "Webhook SideEffects is nil").apiError
            }
            guard hook.allowsDryRun else { throw WebhookRejection.dryRunUnsupported(webhook: hook.name) }
        }
        guard hook.admissionReviewVersions.contains("v1") else {
            return try failed(hook, WebhookCallFailure(
                webhook: hook.name, reason: "could not create admission objects: webhook does not accept known AdmissionReview versions (v1, v1beta1)"),
                round: round, index: index, effects: &effects)
        }
        let uid = newUID()
        let body = Array(AdmissionReviewMessage.request(uid: uid, a).serialized())
        let verdict: AdmissionReviewMessage.Verdict
        do throws(WebhookCallFailure) {
            let answer = try await transport.post(hook, body: body, timeout: .seconds(hook.timeoutSeconds))
            do throws(AdmissionReviewMessage.InvalidResponse) {
                verdict = try AdmissionReviewMessage.verdict(answer, uid: uid, mutating: hook.phase == .mutating)
            } catch {
                throw WebhookCallFailure(webhook: hook.name, reason: "received invalid webhook response: \(error.message)")
            }
        } catch {
            return try failed(hook, error, round: round, index: index, effects: &effects)
        }
        for (key, value) in verdict.auditAnnotations { effects.auditAnnotations["\(hook.name)/\(key)"] = value }
        effects.warnings += verdict.warnings
        guard verdict.allowed else { throw WebhookRejection.apiError(webhook: hook.name, result: verdict.result) }
        return verdict.patch
    }

    /// `failurePolicy`: Ignore goes on as if the webhook had allowed the request (and says so in the audit
    /// log); Fail ends the request with upstream's internal error.
    private func failed(_ hook: AdmissionWebhook, _ failure: WebhookCallFailure, round: Int, index: Int,
                        effects: inout Effects) throws(APIError) -> JSON? {
        guard hook.ignoresFailures else { throw failure.apiError }
        let plugin = hook.phase == .mutating ? "mutation" : "validating"
        effects.auditAnnotations["failed-open.\(plugin).webhook.admission.k8s.io/round_\(round)_index_\(index)"] = hook.name
        return nil
    }
}
