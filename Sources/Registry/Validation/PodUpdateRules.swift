import APIMachinery

/// What an update may change in a pod (upstream's `ValidatePodUpdate` after spec validation) and what
/// a status update may (`ValidatePodStatusUpdate`).
enum PodUpdateRules {
    /// The fields upstream lists in its "pod updates may not change fields other than" message
    /// (InPlacePodVerticalScaling is off by default in v1.32, so resources are not among them).
    static let updatableFields = [
        "`spec.containers[*].image`",
        "`spec.initContainers[*].image`",
        "`spec.activeDeadlineSeconds`",
        "`spec.tolerations` (only additions to existing tolerations)",
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
    ]

    static func validate(newSpec: JSON, oldSpec: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let specPath = FieldPath("spec")
        for key in ["containers", "initContainers"] {
            let newList = newSpec[key]?.array ?? [], oldList = oldSpec[key]?.array ?? []
            if newList.count != oldList.count {
                errs.append(.forbidden(specPath.child(key), "pod updates may not add or remove containers"))
                return errs
            }
            for (i, c) in newList.enumerated() {
                let image = c["image"]?.string ?? ""
                if image.isEmpty { errs.append(.required(specPath.child(key).index(i).child("image"))) }
                if image != image.trimmingSpaces {
                    errs.append(.invalid(specPath.child(key).index(i).child("image"), image, "must not have leading or trailing whitespace"))
                }
            }
        }
        let adsPath = specPath.child("activeDeadlineSeconds")
        if let newADS = newSpec["activeDeadlineSeconds"]?.int {
            if newADS < 0 || newADS > Int64(Int32.max) {
                errs.append(.invalid(adsPath, int: newADS, inclusiveRangeError(0, Int64(Int32.max))))
                return errs
            }
            if let oldADS = oldSpec["activeDeadlineSeconds"]?.int, oldADS < newADS {
                errs.append(.invalid(adsPath, int: newADS, "must be less than or equal to previous value"))
                return errs
            }
        } else if oldSpec["activeDeadlineSeconds"]?.int != nil {
            errs.append(.invalid(adsPath, "null", "must not update from a positive integer to nil value"))
        }
        errs += validateOnlyAddedTolerations(newSpec["tolerations"], oldSpec["tolerations"], specPath.child("tolerations"))
        errs += validateOnlyDeletedSchedulingGates(newSpec["schedulingGates"], oldSpec["schedulingGates"], specPath.child("schedulingGates"))
        if Semantic.equal(newSpec, oldSpec) { return errs }

        // Munge the fields that may change to their old values, then compare what is left.
        var munged = newSpec
        for key in ["containers", "initContainers"] {
            let oldList = oldSpec[key]?.array ?? []
            if var list = munged[key]?.array {
                for i in list.indices where i < oldList.count { list[i]["image"] = oldList[i]["image"] }
                munged[key] = .array(list)
            }
        }
        munged["activeDeadlineSeconds"] = oldSpec["activeDeadlineSeconds"]
        munged["schedulingGates"] = oldSpec["schedulingGates"]
        munged["tolerations"] = oldSpec["tolerations"]
        if let oldGrace = oldSpec["terminationGracePeriodSeconds"]?.int, oldGrace < 0,
            munged["terminationGracePeriodSeconds"]?.int == 1 {
            munged["terminationGracePeriodSeconds"] = oldSpec["terminationGracePeriodSeconds"]
        }
        if !(oldSpec["schedulingGates"]?.array ?? []).isEmpty {
            // Gated pods may gain node selectors and node affinity terms.
            if !Semantic.equal(munged["nodeSelector"], oldSpec["nodeSelector"]) {
                let old = oldSpec["nodeSelector"]?.object ?? [:], new = munged["nodeSelector"]?.object ?? [:]
                if old.contains(where: { new[$0.key] != $0.value }) {
                    errs.append(.invalid(specPath.child("nodeSelector"), raw: GoSyntax.stringMap(munged["nodeSelector"]),
                                         "only additions to spec.nodeSelector are allowed (no mutations or deletions)"))
                }
                munged["nodeSelector"] = oldSpec["nodeSelector"]
            }
        }
        if !Semantic.equal(munged, oldSpec) {
            errs.append(.forbidden(specPath, "pod updates may not change fields other than \(updatableFields.joined(separator: ","))\n\(specDiff(oldSpec, munged))"))
        }
        return errs
    }

    /// Existing tolerations may only gain a different `tolerationSeconds`; new ones may be added.
    static func validateOnlyAddedTolerations(_ new: JSON?, _ old: JSON?, _ path: FieldPath) -> [FieldError] {
        let newList = new?.array ?? []
        for o in old?.array ?? [] {
            var oldClone = o
            let found = newList.contains { n in
                oldClone["tolerationSeconds"] = n["tolerationSeconds"]
                return Semantic.equal(oldClone, n)
            }
            if !found { return [.forbidden(path, "existing toleration can not be modified except its tolerationSeconds")] }
        }
        return PodSpecValidation(isPod: true).validateTolerations(new, path)
    }

    static func validateOnlyDeletedSchedulingGates(_ new: JSON?, _ old: JSON?, _ path: FieldPath) -> [FieldError] {
        let newGates = new?.array ?? []
        guard !newGates.isEmpty else { return [] }
        let oldNames = Set((old?.array ?? []).compactMap { $0["name"]?.string })
        var errs: [FieldError] = []
        for (i, g) in newGates.enumerated() {
            let name = g["name"]?.string ?? ""
            if !oldNames.contains(name) {
                errs.append(.forbidden(path.index(i).child("name"), "only deletion is allowed, but found new scheduling gate '\(name)'"))
            }
        }
        return errs
    }

    /// A readable account of what changed, standing in for upstream's `cmp.Diff` of the Go structs:
    /// one `-`/`+` line per changed leaf, by path.
    static func specDiff(_ old: JSON, _ new: JSON) -> String {
        var lines: [String] = []
        func walk(_ a: JSON?, _ b: JSON?, _ path: String) {
            if Semantic.equal(a, b) { return }
            if let ao = a?.object ?? (Semantic.isZeroValue(a) ? [:] : nil), let bo = b?.object ?? (Semantic.isZeroValue(b) ? [:] : nil),
                a?.object != nil || b?.object != nil {
                for k in Set(ao.keys).union(bo.keys).sorted() { walk(ao[k], bo[k], path.isEmpty ? k : path + "." + k) }
                return
            }
            if let aa = a?.array, let ba = b?.array, aa.count == ba.count {
                for i in aa.indices { walk(aa[i], ba[i], path + "[\(i)]") }
                return
            }
            if !Semantic.isZeroValue(a) { lines.append("-\t\(path): \(a!.jsonString)") }
            if !Semantic.isZeroValue(b) { lines.append("+\t\(path): \(b!.jsonString)") }
        }
        walk(old, new, "")
        return "  core.PodSpec{\n" + lines.joined(separator: "\n") + "\n  }\n"
    }

    /// `ValidatePodStatusUpdate` (after `ValidateObjectMetaUpdate`, which the handlers run).
    static func validateStatus(_ new: JSON, old: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let status = new["status"] ?? [:]
        // Upstream reports condition types under metadata (sic).
        let systemConditions: Set<String> = ["PodScheduled", "Ready", "Initialized"]
        for (i, c) in (status["conditions"]?.array ?? []).enumerated() {
            let type = c["type"]?.string ?? ""
            if systemConditions.contains(type) { continue }
            errs += validateQualifiedName(type, FieldPath("metadata", "conditions").index(i).child("Type"))
        }
        let statusPath = FieldPath("status")
        if new["spec"]?["nodeName"]?.string ?? "" != old["spec"]?["nodeName"]?.string ?? "" {
            errs.append(.forbidden(statusPath.child("nodeName"), "may not be changed directly"))
        }
        let nominated = status["nominatedNodeName"]?.string ?? ""
        if !nominated.isEmpty && nominated != old["status"]?["nominatedNodeName"]?.string ?? "" {
            errs += isDNS1123Subdomain(nominated).map { .invalid(statusPath.child("nominatedNodeName"), nominated, $0) }
        }
        let newQOS = status["qosClass"]?.string ?? "", oldQOS = old["status"]?["qosClass"]?.string ?? ""
        if newQOS != oldQOS { errs.append(.invalid(statusPath.child("qosClass"), newQOS, Msg.immutable)) }
        errs += validateIPList(status["podIPs"], statusPath.child("podIPs"))
        let hostIPs = status["hostIPs"]?.array ?? []
        if let first = hostIPs.first?["ip"]?.string, first != status["hostIP"]?.string ?? "" {
            errs.append(.invalid(statusPath.child("hostIPs").index(0).child("ip"), first, "must be equal to `hostIP`"))
        }
        errs += validateIPList(status["hostIPs"], statusPath.child("hostIPs"))
        return errs
    }

    static func validateIPList(_ list: JSON?, _ path: FieldPath) -> [FieldError] {
        let ips = (list?.array ?? []).map { $0["ip"]?.string ?? "" }
        var errs: [FieldError] = []
        for (i, ip) in ips.enumerated() { errs += validateIP(ip, path.index(i)) }
        if ips.count > 1 {
            if !isDualStack(ips) || ips.count > 2 {
                let raw = "[]core.PodIP{" + ips.map { "core.PodIP{IP:\(GoSyntax.quote($0))}" }.joined(separator: ", ") + "}"
                errs.append(.invalid(path, raw: raw, "may specify no more than one IP for each IP family"))
            }
            var seen = Set<String>()
            for (i, ip) in ips.enumerated() {
                if seen.contains(ip) { errs.append(.duplicate(path.index(i), raw: "core.PodIP{IP:\(GoSyntax.quote(ip))}")) }
                seen.insert(ip)
            }
        }
        return errs
    }
}
