import APIMachinery
import Registry

/// One CEL `matchConditions` entry of a webhook (upstream's matchconditions.Matcher): the webhook is called
/// only when every condition holds for the request. The expressions see `object`, `oldObject` and `request`
/// (the AdmissionRequest as the webhook would receive it); Skiff's CEL subset has no `authorizer`, and
/// validation refuses a configuration whose conditions do not compile.
struct WebhookMatchCondition: Sendable {
    static let variables: Set<String> = ["object", "oldObject", "request"]

    var name: String
    var program: Result<CELProgram, CELCompileError>

    init(_ json: JSON) {
        name = json["name"]?.string ?? ""
        let expression = json["expression"]?.string ?? ""
        program = Result { () throws(CELCompileError) in try CELProgram(expression, variables: Self.variables) }
    }

    /// Whether the webhook applies: false as soon as one condition is false (even if another failed, as
    /// upstream); otherwise the first error, or true.
    static func evaluate(_ conditions: [WebhookMatchCondition], _ a: AdmissionAttributes) -> Result<Bool, WebhookConditionError> {
        guard !conditions.isEmpty else { return .success(true) }
        let bindings: [String: JSON] = [
            "object": a.object ?? .null, "oldObject": a.oldObject ?? .null,
            "request": AdmissionReviewMessage.request(uid: "", a)["request"] ?? .null,
        ]
        var firstError: WebhookConditionError?
        for condition in conditions {
            do {
                let program = try condition.program.get()
                if try program.evaluate(bindings) == false { return .success(false) }
            } catch let e as CELCompileError {
                firstError = firstError ?? WebhookConditionError(condition: condition.name, message: e.message)
            } catch let e as CELEvalError {
                firstError = firstError ?? WebhookConditionError(condition: condition.name, message: e.message)
            } catch {
                firstError = firstError ?? WebhookConditionError(condition: condition.name, message: "\(error)")
            }
        }
        if let firstError { return .failure(firstError) }
        return .success(true)
    }
}

/// A match condition that could not be evaluated: the webhook's failurePolicy decides what it means.
struct WebhookConditionError: Error, Sendable {
    var condition: String
    var message: String
    var description: String { "matchCondition \(GoQuoting.quote(condition)) error: \(message)" }
}
