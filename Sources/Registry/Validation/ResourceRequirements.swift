import APIMachinery

private let standardResourceNames: Set<String> = [
    "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
    "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "resourcequotas", "services",
    "replicationcontrollers", "secrets", "persistentvolumeclaims", "configmaps", "services.nodeports",
    "services.loadbalancers", "storage", "requests.storage",
]
private let standardContainerResourceNames: Set<String> = ["cpu", "memory", "ephemeral-storage"]
private let integerResourceNames: Set<String> = [
    "pods", "resourcequotas", "services", "replicationcontrollers", "secrets", "persistentvolumeclaims",
    "configmaps", "services.nodeports", "services.loadbalancers",
]

func isHugePageResourceName(_ name: String) -> Bool { name.hasPrefix("hugepages-") }

/// `IsNativeResource`: unprefixed, or in the kubernetes.io domain.
func isNativeResource(_ name: String) -> Bool { !name.contains("/") || name.contains("kubernetes.io/") }

/// `IsExtendedResourceName`: a domain-prefixed, non-native resource such as `example.com/gpu`.
func isExtendedResourceName(_ name: String) -> Bool {
    if isNativeResource(name) || name.hasPrefix("requests.") { return false }
    return isQualifiedName("requests." + name).isEmpty
}

/// `IsOvercommitAllowed`: only native, non-hugepage resources may have requests below limits.
func isOvercommitAllowed(_ name: String) -> Bool { isNativeResource(name) && !isHugePageResourceName(name) }

/// `validateContainerResourceName`.
func validateContainerResourceName(_ name: String, _ path: FieldPath) -> [FieldError] {
    var errs = isQualifiedName(name).map { FieldError.invalid(path, name, $0) }
    if errs.isEmpty && !name.contains("/") && !(standardResourceNames.contains(name) || name.hasPrefix("hugepages-") || name.hasPrefix("requests.hugepages-")) {
        errs.append(.invalid(path, name, "must be a standard resource type or fully qualified"))
    }
    if !name.contains("/") {
        if !(standardContainerResourceNames.contains(name) || isHugePageResourceName(name)) {
            errs.append(.invalid(path, name, "must be a standard resource for containers"))
        }
    } else if !isNativeResource(name) && !isExtendedResourceName(name) {
        errs.append(.invalid(path, name, "doesn't follow extended resource name standard"))
    }
    return errs
}

/// `ValidateResourceQuantityValue`: non-negative, and whole for integer resources.
func validateResourceQuantity(_ name: String, _ q: Quantity, _ path: FieldPath) -> [FieldError] {
    var errs: [FieldError] = []
    if q.isNegative { errs.append(.invalid(path, q.description, Msg.isNegative)) }
    if integerResourceNames.contains(name) || isExtendedResourceName(name) {
        if !q.isWhole { errs.append(.invalid(path, raw: q.description, Msg.notInteger)) }
    }
    return errs
}

/// A resource list's value decoded as upstream's `Quantity.UnmarshalJSON` decodes it, or the error it
/// gives (reported at the value's path, since Skiff validates the JSON rather than failing to decode it).
func decodeQuantity(_ value: JSON?, _ path: FieldPath) -> Result<Quantity, FieldError> {
    do {
        return .success(try Quantity(json: value ?? .null))
    } catch {
        return .failure(.invalid(path, value?.string ?? value?.description ?? "", error.description))
    }
}

/// Upstream's `ValidateContainerResourceRequirements`: resource names, quantities, and requests no
/// greater than limits (equal for resources that cannot be overcommitted).
func validateResourceRequirements(_ resources: JSON?, _ path: FieldPath) -> [FieldError] {
    var errs: [FieldError] = []
    let limPath = path.child("limits"), reqPath = path.child("requests")
    let limits = resources?["limits"]?.object ?? [:]
    let requests = resources?["requests"]?.object ?? [:]
    var limitQ: [String: Quantity] = [:]
    var limHuge = false, reqHuge = false, limCPUMem = false, reqCPUMem = false
    for name in limits.keys.sorted() {
        let p = limPath.key(name)
        errs += validateContainerResourceName(name, p)
        let q: Quantity
        switch decodeQuantity(limits[name], p) {
        case .success(let decoded): q = decoded
        case .failure(let error):
            errs.append(error)
            continue
        }
        limitQ[name] = q
        errs += validateResourceQuantity(name, q, p)
        if isHugePageResourceName(name) { limHuge = true }
        if name == "cpu" || name == "memory" { limCPUMem = true }
    }
    for name in requests.keys.sorted() {
        let p = reqPath.key(name)
        errs += validateContainerResourceName(name, p)
        let q: Quantity
        switch decodeQuantity(requests[name], p) {
        case .success(let decoded): q = decoded
        case .failure(let error):
            errs.append(error)
            continue
        }
        errs += validateResourceQuantity(name, q, p)
        if let lim = limitQ[name] {
            if q != lim && !isOvercommitAllowed(name) {
                errs.append(.invalid(reqPath, q.description, "must be equal to \(name) limit of \(lim.description)"))
            } else if q > lim {
                errs.append(.invalid(reqPath, q.description, "must be less than or equal to \(name) limit of \(lim.description)"))
            }
        } else if limits[name] == nil && !isOvercommitAllowed(name) {
            errs.append(.required(limPath, "Limit must be set for non overcommitable resources"))
        }
        if isHugePageResourceName(name) { reqHuge = true }
        if name == "cpu" || name == "memory" { reqCPUMem = true }
    }
    if !limCPUMem && !reqCPUMem && (limHuge || reqHuge) {
        errs.append(.forbidden(path, "HugePages require cpu or memory"))
    }
    return errs
}
