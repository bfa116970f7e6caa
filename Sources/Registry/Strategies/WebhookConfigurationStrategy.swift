import APIMachinery

/// Mutating- and ValidatingWebhookConfigurations (admissionregistration.k8s.io/v1): upstream's v1 defaults
/// (`SetDefaults_*Webhook`) and `Validate*WebhookConfiguration`, so a webhook the API server cannot call —
/// no sideEffects, no known AdmissionReview version, neither or both of url and service, a timeout past
/// 30 s — is refused when written rather than failing every request it matches. The generation counts
/// changes of `webhooks`, as upstream's strategy does.
public struct WebhookConfigurationStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    var isMutating: Bool { info.resource == "mutatingwebhookconfigurations" }

    /// `SetDefaults_ValidatingWebhook` / `SetDefaults_MutatingWebhook`.
    public func applyDefaults(_ object: inout JSON) {
        let mutating = isMutating
        object.editEach("webhooks") { w in
            w.defaultIfNil("failurePolicy", "Fail")
            w.defaultIfNil("matchPolicy", "Equivalent")
            w.defaultIfNil("namespaceSelector", [:])
            w.defaultIfNil("objectSelector", [:])
            w.defaultIfNil("timeoutSeconds", 10)
            if mutating { w.defaultIfNil("reinvocationPolicy", "Never") }
            w.editEach("rules") { $0.defaultIfNil("scope", "*") }
            w.editObject("clientConfig") { c in c.editObject("service") { $0.defaultIfNil("port", 443) } }
        }
    }

    public func prepareForCreate(_ object: inout JSON) {
        object[path: ["metadata", "generation"]] = 1
    }

    public func prepareForUpdate(_ object: inout JSON, old: JSON) {
        let generation = old[path: ["metadata", "generation"]]?.int ?? 1
        object[path: ["metadata", "generation"]] = .int(object["webhooks"] == old["webhooks"] ? generation : generation + 1)
    }

    static let failurePolicies = ["Fail", "Ignore"]
    static let matchPolicies = ["Equivalent", "Exact"]
    static let noSideEffects = ["None", "NoneOnDryRun"]
    static let operations = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"]
    static let reinvocationPolicies = ["IfNeeded", "Never"]
    static let scopes = ["*", "Cluster", "Namespaced"]
    static let reviewVersions = ["v1", "v1beta1"]

    public func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        var names: Set<String> = []
        for (i, hook) in (object["webhooks"]?.array ?? []).enumerated() {
            let path = FieldPath("webhooks").index(i)
            errs += validateWebhook(hook, path)
            errs += Self.validateReviewVersions(hook["admissionReviewVersions"]?.array?.map { $0.string ?? "" } ?? [], path.child("admissionReviewVersions"))
            let name = hook["name"]?.string ?? ""
            if !name.isEmpty, !names.insert(name).inserted { errs.append(.duplicate(path.child("name"), name)) }
        }
        return errs
    }

    func validateWebhook(_ hook: JSON, _ path: FieldPath) -> [FieldError] {
        var errs = Self.fullyQualifiedName(hook["name"]?.string ?? "", path.child("name"))
        for (i, rule) in (hook["rules"]?.array ?? []).enumerated() {
            errs += Self.validateRule(rule, path.child("rules").index(i))
        }
        if let p = hook["failurePolicy"]?.string, !Self.failurePolicies.contains(p) {
            errs.append(.notSupported(path.child("failurePolicy"), p, Self.failurePolicies))
        }
        if let p = hook["matchPolicy"]?.string, !Self.matchPolicies.contains(p) {
            errs.append(.notSupported(path.child("matchPolicy"), p, Self.matchPolicies))
        }
        if let s = hook["sideEffects"]?.string {
            if !Self.noSideEffects.contains(s) { errs.append(.notSupported(path.child("sideEffects"), s, Self.noSideEffects)) }
        } else {
            errs.append(.required(path.child("sideEffects"), "must specify one of None, NoneOnDryRun"))
        }
        if let t = hook["timeoutSeconds"]?.int, !(1...30).contains(t) {
            errs.append(.invalid(path.child("timeoutSeconds"), int: t, "the timeout value must be between 1 and 30 seconds"))
        }
        errs += validateLabelSelector(hook["namespaceSelector"], path.child("namespaceSelector"))
        errs += validateLabelSelector(hook["objectSelector"], path.child("objectSelector"))
        if isMutating, let p = hook["reinvocationPolicy"]?.string, !Self.reinvocationPolicies.contains(p) {
            errs.append(.notSupported(path.child("reinvocationPolicy"), p, Self.reinvocationPolicies))
        }
        let client = hook["clientConfig"] ?? [:]
        let url = client["url"]?.string, service = client["service"].flatMap { $0.isObject ? $0 : nil }
        switch (url, service) {
        case (.some(let u), nil):
            errs += Self.validateURL(u, path.child("clientConfig", "url"))
        case (nil, .some(let s)):
            errs += Self.validateService(s, path.child("clientConfig", "service"))
        default:
            errs.append(.required(path.child("clientConfig"), "exactly one of url or service is required"))
        }
        errs += Self.validateMatchConditions(hook["matchConditions"]?.array ?? [], path.child("matchConditions"))
        return errs
    }

    /// The variables a webhook's match conditions see (upstream also has `authorizer`, which Skiff's CEL
    /// subset lacks: a condition using it does not compile, and is refused here rather than ignored).
    static let matchConditionVariables: Set<String> = ["object", "oldObject", "request"]

    /// Upstream's `validateMatchConditions`: at most 64, each with a unique qualified name and an
    /// expression that compiles.
    static func validateMatchConditions(_ conditions: [JSON], _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        if conditions.count > 64 { errs.append(.tooMany(path, actual: conditions.count, max: 64)) }
        var names: Set<String> = []
        for (i, c) in conditions.enumerated() {
            let p = path.index(i)
            let name = c["name"]?.string ?? ""
            if name.isEmpty {
                errs.append(.required(p.child("name")))
            } else {
                for m in isQualifiedName(name) { errs.append(.invalid(p.child("name"), name, m)) }
                if !names.insert(name).inserted { errs.append(.duplicate(p.child("name"), name)) }
            }
            let expression = c["expression"]?.string ?? ""
            if expression.isEmpty {
                errs.append(.required(p.child("expression")))
            } else if let problem = CELProgram.compileError(expression, variables: matchConditionVariables) {
                errs.append(.invalid(p.child("expression"), expression, "compilation failed: " + problem))
            }
        }
        return errs
    }

    /// `IsFullyQualifiedName`: a DNS subdomain of at least three labels.
    static func fullyQualifiedName(_ name: String, _ path: FieldPath) -> [FieldError] {
        if name.isEmpty { return [.required(path)] }
        let problems = isDNS1123Subdomain(name)
        if !problems.isEmpty { return [.invalid(path, name, problems.joined(separator: ","))] }
        if name.split(separator: ".", omittingEmptySubsequences: false).count < 3 {
            return [.invalid(path, name, "should be a domain with at least three segments separated by dots")]
        }
        return []
    }

    static func validateRule(_ rule: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let ops = rule["operations"]?.array?.map { $0.string ?? "" } ?? []
        if ops.isEmpty { errs.append(.required(path.child("operations"))) }
        if ops.count > 1 && ops.contains("*") {
            errs.append(.invalid(path.child("operations"), raw: "[]admissionregistration.OperationType{" + ops.map(GoSyntax.quote).joined(separator: ", ") + "}",
                                 "if '*' is present, must not specify other operations"))
        }
        for (i, op) in ops.enumerated() where !operations.contains(op) {
            errs.append(.notSupported(path.child("operations").index(i), op, operations))
        }
        let groups = rule["apiGroups"]?.array?.map { $0.string ?? "" } ?? []
        if groups.isEmpty { errs.append(.required(path.child("apiGroups"))) }
        if groups.count > 1 && groups.contains("*") {
            errs.append(.invalid(path.child("apiGroups"), raw: GoSyntax.stringSlice(groups), "if '*' is present, must not specify other API groups"))
        }
        let versions = rule["apiVersions"]?.array?.map { $0.string ?? "" } ?? []
        if versions.isEmpty { errs.append(.required(path.child("apiVersions"))) }
        if versions.count > 1 && versions.contains("*") {
            errs.append(.invalid(path.child("apiVersions"), raw: GoSyntax.stringSlice(versions), "if '*' is present, must not specify other API versions"))
        }
        for (i, v) in versions.enumerated() where v.isEmpty { errs.append(.required(path.child("apiVersions").index(i))) }
        errs += validateResources(rule["resources"]?.array?.map { $0.string ?? "" } ?? [], path.child("resources"))
        if let scope = rule["scope"]?.string, !scopes.contains(scope) {
            errs.append(.notSupported(path.child("scope"), scope, scopes))
        }
        return errs
    }

    /// Upstream's `validateResources`: `*/*` alone, `*` without plain resources, no `res/x` beside `res/*`
    /// and no `x/sub` beside `*/sub`.
    static func validateResources(_ resources: [String], _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        if resources.isEmpty { errs.append(.required(path)) }
        var wildcardSubresourcesOf: Set<String> = [], wildcardResourcesFor: Set<String> = []
        var hasDouble = false, hasSingle = false, hasPlain = false
        for (i, entry) in resources.enumerated() {
            if entry.isEmpty {
                errs.append(.required(path.index(i)))
                continue
            }
            if entry == "*/*" { hasDouble = true }
            if entry == "*" { hasSingle = true }
            let parts = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            if parts.count == 1 {
                hasPlain = entry != "*"
                continue
            }
            let (res, sub) = (parts[0], parts[1])
            if wildcardSubresourcesOf.contains(res) {
                errs.append(.invalid(path.index(i), entry, "if '\(res)/*' is present, must not specify \(entry)"))
            }
            if wildcardResourcesFor.contains(sub) {
                errs.append(.invalid(path.index(i), entry, "if '*/\(sub)' is present, must not specify \(entry)"))
            }
            if sub == "*" { wildcardSubresourcesOf.insert(res) }
            if res == "*" { wildcardResourcesFor.insert(sub) }
        }
        if resources.count > 1 && hasDouble {
            errs.append(.invalid(path, raw: GoSyntax.stringSlice(resources), "if '*/*' is present, must not specify other resources"))
        }
        if hasSingle && hasPlain {
            errs.append(.invalid(path, raw: GoSyntax.stringSlice(resources), "if '*' is present, must not specify other resources without subresources"))
        }
        return errs
    }

    static func validateReviewVersions(_ versions: [String], _ path: FieldPath) -> [FieldError] {
        guard !versions.isEmpty else { return [.required(path, "must specify one of v1, v1beta1")] }
        var errs: [FieldError] = []
        var seen: Set<String> = []
        for (i, v) in versions.enumerated() {
            guard seen.insert(v).inserted else {
                errs.append(.invalid(path.index(i), v, "duplicate version"))
                continue
            }
            for m in isDNS1035Label(v) { errs.append(.invalid(path.index(i), v, m)) }
        }
        if !versions.contains(where: reviewVersions.contains) {
            errs.append(.invalid(path, raw: GoSyntax.stringSlice(versions), "must include at least one of v1, v1beta1"))
        }
        return errs
    }

    /// Upstream's `ValidateWebhookURL` with https forced.
    static func validateURL(_ text: String, _ path: FieldPath) -> [FieldError] {
        let form = "; desired format: https://host[/path]"
        guard let u = URLParts(text) else {
            return [.required(path, "url must be a valid URL: parse \(GoSyntax.quote(text)): invalid URL" + form)]
        }
        var errs: [FieldError] = []
        if u.scheme != "https" { errs.append(.invalid(path, u.scheme, "'https' is the only allowed URL scheme" + form)) }
        if u.host.isEmpty { errs.append(.invalid(path, u.host, "host must be provided" + form)) }
        if let user = u.user { errs.append(.invalid(path, user, "user information is not permitted in the URL")) }
        if let fragment = u.fragment, !fragment.isEmpty { errs.append(.invalid(path, fragment, "fragments are not permitted in the URL")) }
        if let query = u.query, !query.isEmpty { errs.append(.invalid(path, query, "query parameters are not permitted in the URL")) }
        return errs
    }

    /// Upstream's `ValidateWebhookService`.
    static func validateService(_ service: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        if (service["name"]?.string ?? "").isEmpty { errs.append(.required(path.child("name"), "service name is required")) }
        if (service["namespace"]?.string ?? "").isEmpty { errs.append(.required(path.child("namespace"), "service namespace is required")) }
        let port = service["port"]?.int ?? 443
        let portProblems = isValidPortNum(port)
        if !portProblems.isEmpty {
            errs.append(.invalid(path.child("port"), int: port, "port is not valid: " + portProblems.joined(separator: ", ")))
        }
        guard let urlPath = service["path"]?.string, urlPath != "/", !urlPath.isEmpty else { return errs }
        if urlPath == "//" { return errs + [.invalid(path.child("path"), urlPath, "segment[0] may not be empty")] }
        if !urlPath.hasPrefix("/") { errs.append(.invalid(path.child("path"), urlPath, "must start with a '/'")) }
        var rest = Substring(urlPath.dropFirst())
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        for (i, step) in rest.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
            if step.isEmpty {
                errs.append(.invalid(path.child("path"), urlPath, "segment[\(i)] may not be empty"))
                continue
            }
            for m in isDNS1123Subdomain(String(step)) {
                errs.append(.invalid(path.child("path"), urlPath, "segment[\(i)]: \(m)"))
            }
        }
        return errs
    }
}

/// The parts of a URL that webhook validation looks at, split as Go's `url.Parse` does for absolute URLs:
/// `scheme://[user@]host[/path][?query][#fragment]`.
struct URLParts {
    var scheme: String
    var user: String?
    var host: String
    var query: String?
    var fragment: String?

    init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return nil }
        scheme = String(text[..<colon]).lowercased()
        guard scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else { return nil }
        var rest = Substring(text[text.index(after: colon)...])
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        guard rest.hasPrefix("//") else {
            host = ""
            return
        }
        rest = rest.dropFirst(2)
        let authority = rest.prefix { $0 != "/" }
        if let at = authority.lastIndex(of: "@") {
            user = String(authority[..<at])
            host = String(authority[authority.index(after: at)...])
        } else {
            host = String(authority)
        }
    }
}
