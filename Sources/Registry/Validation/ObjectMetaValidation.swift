import APIMachinery

/// Total size of all annotation keys and values (upstream's `TotalAnnotationSizeLimitB`).
public let totalAnnotationSizeLimit = 256 * 1024

/// Finalizers upstream accepts without a domain prefix.
let standardFinalizers: Set<String> = ["kubernetes", "orphan", "foregroundDeletion"]

/// Upstream's `ValidateObjectMeta` for a new object (apimachinery's checks plus core's legacy
/// finalizer-name rule): `metadata.name` required unless `generateName` (the server generates the name
/// before validating), name and generateName format, namespace present and a DNS-1123 label for
/// namespaced kinds and absent otherwise, non-negative generation, labels, annotations (keys and total
/// size), ownerReferences shape, finalizer names.
///
/// - Parameters:
///   - meta: the object's `metadata`.
///   - nameValidator: the kind's name rule, see `nameValidator(for:)`.
///   - kubeFinalizerNames: core's extra rule that a finalizer without a '/' must be a standard one
///     ("kubernetes", "orphan", "foregroundDeletion"); every served kind but core/v1 Event has it.
public func validateObjectMeta(
    _ meta: JSON, namespaced: Bool, nameValidator: (String) -> [String], kubeFinalizerNames: Bool = true
) -> [FieldError] {
    let path = FieldPath("metadata")
    var errs: [FieldError] = []
    let name = meta["name"]?.string ?? ""
    let generateName = meta["generateName"]?.string ?? ""
    if !generateName.isEmpty {
        for msg in nameValidator(maskTrailingDash(generateName)) {
            errs.append(.invalid(path.child("generateName"), generateName, msg))
        }
    }
    if name.isEmpty {
        errs.append(.required(path.child("name"), "name or generateName is required"))
    } else {
        for msg in nameValidator(name) { errs.append(.invalid(path.child("name"), name, msg)) }
    }
    let namespace = meta["namespace"]?.string ?? ""
    if namespaced {
        if namespace.isEmpty {
            errs.append(.required(path.child("namespace")))
        } else {
            for msg in isDNS1123Label(namespace) { errs.append(.invalid(path.child("namespace"), namespace, msg)) }
        }
    } else if !namespace.isEmpty {
        errs.append(.forbidden(path.child("namespace"), "not allowed on this type"))
    }
    if let g = meta["generation"]?.int { errs += validateNonnegative(g, path.child("generation")) }
    errs += validateLabels(meta["labels"], path.child("labels"))
    errs += validateAnnotations(meta["annotations"], path.child("annotations"))
    errs += validateOwnerReferences(meta["ownerReferences"], path.child("ownerReferences"))
    errs += validateFinalizers(meta["finalizers"], path.child("finalizers"))
    if kubeFinalizerNames { errs += validateKubeFinalizerNames(meta["finalizers"], path.child("finalizers")) }
    return errs
}

/// `validateObjectMeta` with the kind's own name rule and finalizer rule.
public func validateObjectMeta(_ meta: JSON, for info: ResourceInfo) -> [FieldError] {
    validateObjectMeta(meta, namespaced: info.namespaced, nameValidator: nameValidator(for: info),
                       kubeFinalizerNames: !(info.group.isEmpty && info.resource == "events"))
}

/// Upstream's `ValidateObjectMetaUpdate`: no new finalizers once deletion started, resourceVersion
/// present, generation not decremented, name/namespace/uid/creationTimestamp/deletionTimestamp/
/// deletionGracePeriodSeconds unchanged, and the new labels, annotations and ownerReferences valid.
///
/// `resourceVersion` must already be filled in for unconditional updates (upstream's store copies it
/// from the stored object before validating).
public func validateObjectMetaUpdate(new: JSON, old: JSON, kubeFinalizerNames: Bool = true) -> [FieldError] {
    let path = FieldPath("metadata")
    var errs: [FieldError] = []
    if old["deletionTimestamp"]?.string != nil {
        let oldSet = Set(stringList(old["finalizers"]))
        let extra = Set(stringList(new["finalizers"])).subtracting(oldSet).sorted()
        if !extra.isEmpty {
            errs.append(.forbidden(path.child("finalizers"),
                "no new finalizers can be added if the object is being deleted, found new finalizers \(GoSyntax.stringSlice(extra))"))
        }
    }
    let rv = new["resourceVersion"]?.string ?? ""
    if rv.isEmpty { errs.append(.invalid(path.child("resourceVersion"), rv, "must be specified for an update")) }
    let newGen = new["generation"]?.int ?? 0
    if newGen < old["generation"]?.int ?? 0 {
        errs.append(.invalid(path.child("generation"), int: newGen, "must not be decremented"))
    }
    for field in ["name", "namespace", "uid"] {
        let n = new[field]?.string ?? "", o = old[field]?.string ?? ""
        if n != o { errs.append(.invalid(path.child(field), n, Msg.immutable)) }
    }
    let newCreated = new["creationTimestamp"]?.string, oldCreated = old["creationTimestamp"]?.string
    if !sameTime(newCreated, oldCreated) {
        errs.append(.invalid(path.child("creationTimestamp"), raw: GoSyntax.time(newCreated), Msg.immutable))
    }
    let newDel = new["deletionTimestamp"]?.string, oldDel = old["deletionTimestamp"]?.string
    if !sameTime(newDel, oldDel) {
        if let newDel {
            errs.append(.invalid(path.child("deletionTimestamp"), raw: GoSyntax.time(newDel), Msg.immutable))
        } else {
            errs.append(.invalid(path.child("deletionTimestamp"), "null", Msg.immutable))
        }
    }
    let newGrace = new["deletionGracePeriodSeconds"]?.int, oldGrace = old["deletionGracePeriodSeconds"]?.int
    if newGrace != oldGrace {
        if let newGrace {
            errs.append(.invalid(path.child("deletionGracePeriodSeconds"), int: newGrace, Msg.immutable))
        } else {
            errs.append(.invalid(path.child("deletionGracePeriodSeconds"), "null", Msg.immutable))
        }
    }
    errs += validateLabels(new["labels"], path.child("labels"))
    errs += validateAnnotations(new["annotations"], path.child("annotations"))
    errs += validateOwnerReferences(new["ownerReferences"], path.child("ownerReferences"))
    if kubeFinalizerNames { errs += validateKubeFinalizerNames(new["finalizers"], path.child("finalizers")) }
    return errs
}

/// Timestamps compare at second precision, as `metav1.Time` does after a round trip.
private func sameTime(_ a: String?, _ b: String?) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case let (x?, y?): return x.prefix(19) == y.prefix(19)
    default: return false
    }
}

func stringList(_ v: JSON?) -> [String] { v?.array?.compactMap(\.string) ?? [] }

/// Upstream's `ValidateLabels` (meta/v1): every key a qualified name and every value a label value.
/// Errors point at the map (`metadata.labels`), not at the key, as upstream's do.
func validateLabels(_ labels: JSON?, _ path: FieldPath) -> [FieldError] {
    guard let o = labels?.object else { return [] }
    var errs: [FieldError] = []
    for k in o.keys.sorted() {
        errs += validateLabelName(k, path)
        let v = o[k]?.string ?? ""
        for msg in isValidLabelValue(v) { errs.append(.invalid(path, v, msg)) }
    }
    return errs
}

/// `ValidateLabelName`.
func validateLabelName(_ name: String, _ path: FieldPath) -> [FieldError] {
    isQualifiedName(name).map { .invalid(path, name, $0) }
}

/// `ValidateQualifiedName` (core).
func validateQualifiedName(_ value: String, _ path: FieldPath) -> [FieldError] {
    isQualifiedName(value).map { .invalid(path, value, $0) }
}

/// `ValidateDNS1123Label` (core).
func validateDNS1123Label(_ value: String, _ path: FieldPath) -> [FieldError] {
    isDNS1123Label(value).map { .invalid(path, value, $0) }
}

/// `ValidateDNS1123Subdomain` (core).
func validateDNS1123Subdomain(_ value: String, _ path: FieldPath) -> [FieldError] {
    isDNS1123Subdomain(value).map { .invalid(path, value, $0) }
}

/// Upstream's `ValidateAnnotations`: keys are qualified names (case-insensitively) and all keys and
/// values together fit in 256 KiB.
func validateAnnotations(_ annotations: JSON?, _ path: FieldPath) -> [FieldError] {
    guard let o = annotations?.object else { return [] }
    var errs: [FieldError] = []
    var total = 0
    for k in o.keys.sorted() {
        for msg in isQualifiedName(k.lowercased()) { errs.append(.invalid(path, k, msg)) }
        total += k.utf8.count + (o[k]?.string?.utf8.count ?? 0)
    }
    if total > totalAnnotationSizeLimit { errs.append(.tooLong(path, maxBytes: totalAnnotationSizeLimit)) }
    return errs
}

/// Upstream's `ValidateOwnerReferences`: apiVersion, kind, name and uid present, Events never owners,
/// at most one controller. Errors are reported at `metadata.ownerReferences.<field>`, without the index,
/// as upstream reports them.
func validateOwnerReferences(_ refs: JSON?, _ path: FieldPath) -> [FieldError] {
    guard let list = refs?.array else { return [] }
    var errs: [FieldError] = []
    var firstController = ""
    for ref in list {
        let apiVersion = ref["apiVersion"]?.string ?? ""
        let kind = ref["kind"]?.string ?? ""
        let name = ref["name"]?.string ?? ""
        let uid = ref["uid"]?.string ?? ""
        let (group, version) = parseGroupVersion(apiVersion)
        if version.isEmpty { errs.append(.invalid(path.child("apiVersion"), apiVersion, "version must not be empty")) }
        if kind.isEmpty { errs.append(.invalid(path.child("kind"), kind, "must not be empty")) }
        if name.isEmpty { errs.append(.invalid(path.child("name"), name, "must not be empty")) }
        if uid.isEmpty { errs.append(.invalid(path.child("uid"), uid, "must not be empty")) }
        if group.isEmpty && version == "v1" && kind == "Event" {
            errs.append(.invalid(path, raw: goOwnerReference(ref), "/v1, Kind=Event is disallowed from being an owner"))
        }
        if ref["controller"]?.bool == true {
            let current = kind + "/" + name
            if firstController.isEmpty {
                firstController = current
            } else {
                let all = "[]v1.OwnerReference{" + list.map(goOwnerReference).joined(separator: ", ") + "}"
                errs.append(.invalid(path, raw: all,
                    "Only one reference can have Controller set to true. Found \"true\" in references for \(firstController) and \(current)"))
            }
        }
    }
    return errs
}

/// `schema.ParseGroupVersion` as used by `FromAPIVersionAndKind`: malformed values give an empty
/// group and version.
func parseGroupVersion(_ apiVersion: String) -> (group: String, version: String) {
    let parts = apiVersion.split(separator: "/", omittingEmptySubsequences: false)
    switch parts.count {
    case 1: return ("", String(parts[0]))
    case 2: return (String(parts[0]), String(parts[1]))
    default: return ("", "")
    }
}

private func goOwnerReference(_ ref: JSON) -> String {
    func ptr(_ v: JSON?) -> String { v?.bool == nil ? "(*bool)(nil)" : "(*bool)(\(v!.bool! ? "true" : "false"))" }
    return "v1.OwnerReference{APIVersion:\(GoSyntax.quote(ref["apiVersion"]?.string ?? "")), Kind:\(GoSyntax.quote(ref["kind"]?.string ?? "")), Name:\(GoSyntax.quote(ref["name"]?.string ?? "")), UID:\(GoSyntax.quote(ref["uid"]?.string ?? "")), Controller:\(ptr(ref["controller"])), BlockOwnerDeletion:\(ptr(ref["blockOwnerDeletion"]))}"
}

/// Upstream's `ValidateFinalizers` (apimachinery): each a qualified name (reported at the list, not
/// the index), and "orphan" and "foregroundDeletion" never together.
func validateFinalizers(_ finalizers: JSON?, _ path: FieldPath) -> [FieldError] {
    let list = stringList(finalizers)
    var errs: [FieldError] = []
    for f in list { errs += isQualifiedName(f).map { .invalid(path, f, $0) } }
    if list.contains("orphan") && list.contains("foregroundDeletion") {
        errs.append(.invalid(path, raw: GoSyntax.stringSlice(list), "finalizer orphan and foregroundDeletion cannot be both set"))
    }
    return errs
}

/// Core's `validateKubeFinalizerName`: a finalizer without a domain must be a standard one.
func validateKubeFinalizerNames(_ finalizers: JSON?, _ path: FieldPath) -> [FieldError] {
    var errs: [FieldError] = []
    for (i, f) in stringList(finalizers).enumerated() where !f.contains("/") && !standardFinalizers.contains(f) {
        errs.append(.invalid(path.index(i), f, "name is neither a standard finalizer name nor is it fully qualified"))
    }
    return errs
}
