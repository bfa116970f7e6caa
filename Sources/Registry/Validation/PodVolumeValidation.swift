import APIMachinery

/// Volumes of a pod spec: names, exactly one source, and the common sources' fields.
extension PodSpecValidation {
    // MARK: Volumes

    func validateVolumes(_ volumes: JSON?, _ path: FieldPath) -> (names: [String: JSON], errors: [FieldError]) {
        var errs: [FieldError] = []
        var valid: [String: JSON] = [:]
        var seen = Set<String>()
        for (i, vol) in (volumes?.array ?? []).enumerated() {
            let p = path.index(i)
            let name = vol["name"]?.string ?? ""
            var el = validateVolumeSource(vol, p)
            if name.isEmpty { el.append(.required(p.child("name"))) } else { el += validateDNS1123Label(name, p.child("name")) }
            if seen.contains(name) { el.append(.duplicate(p.child("name"), name)) }
            if el.isEmpty {
                seen.insert(name)
                valid[name] = vol
            } else {
                errs += el
            }
        }
        return (valid, errs)
    }

    func validateVolumeSource(_ vol: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        var count = 0
        for (key, pathName) in Self.volumeSources {
            guard let src = vol[key], !src.isNull else { continue }
            if count > 0 {
                errs.append(.forbidden(path.child(pathName), "may not specify more than 1 volume type"))
                continue
            }
            count += 1
            let p = path.child(key)
            switch key {
            case "hostPath":
                let hp = src["path"]?.string ?? ""
                if hp.isEmpty { errs.append(.required(p.child("path"))) } else { errs += validatePathNoBacksteps(hp, p.child("path")) }
                if hp.isEmpty { break }
                if let t = src["type"]?.string {
                    let types = ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"]
                    if !types.contains(t) { errs.append(.notSupported(p.child("type"), t, types)) }
                }
            case "secret":
                if (src["secretName"]?.string ?? "").isEmpty { errs.append(.required(p.child("secretName"))) }
                errs += validateFileMode(src["defaultMode"], p.child("defaultMode"))
                errs += validateKeyToPaths(src["items"], p.child("items"))
            case "configMap":
                if (src["name"]?.string ?? "").isEmpty { errs.append(.required(p.child("name"))) }
                errs += validateFileMode(src["defaultMode"], p.child("defaultMode"))
                errs += validateKeyToPaths(src["items"], p.child("items"))
            case "persistentVolumeClaim":
                if (src["claimName"]?.string ?? "").isEmpty { errs.append(.required(p.child("claimName"))) }
            case "emptyDir":
                if let q = src["sizeLimit"].flatMap({ try? Quantity(json: $0) }), q.isNegative {
                    errs.append(.forbidden(p.child("sizeLimit"), "SizeLimit field must be a valid resource quantity"))
                }
            case "nfs":
                if (src["server"]?.string ?? "").isEmpty { errs.append(.required(p.child("server"))) }
                let np = src["path"]?.string ?? ""
                if np.isEmpty { errs.append(.required(p.child("path"))) } else if !np.hasPrefix("/") {
                    errs.append(.invalid(p.child("path"), np, "must be an absolute path"))
                }
            case "downwardAPI":
                errs += validateFileMode(src["defaultMode"], p.child("defaultMode"))
            case "projected":
                errs += validateFileMode(src["defaultMode"], p.child("defaultMode"))
            default:
                break
            }
        }
        if count == 0 { errs.append(.required(path, "must specify a volume type")) }
        return errs
    }

    func validateFileMode(_ mode: JSON?, _ path: FieldPath) -> [FieldError] {
        guard let m = mode?.int else { return [] }
        return (m > 0o777 || m < 0) ? [.invalid(path, int: m, Msg.fileMode)] : []
    }

    func validateKeyToPaths(_ items: JSON?, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, kp) in (items?.array ?? []).enumerated() {
            let p = path.index(i)
            if (kp["key"]?.string ?? "").isEmpty { errs.append(.required(p.child("key"))) }
            let itemPath = kp["path"]?.string ?? ""
            if itemPath.isEmpty { errs.append(.required(p.child("path"))) }
            errs += validateLocalNonReservedPath(itemPath, p.child("path"))
            errs += validateFileMode(kp["mode"], p.child("mode"))
        }
        return errs
    }

    /// `validatePathNoBacksteps`.
    func validatePathNoBacksteps(_ target: String, _ path: FieldPath) -> [FieldError] {
        target.split(separator: "/").contains("..") ? [.invalid(path, target, "must not contain '..'")] : []
    }

    /// `ValidateLocalNonReservedPath`: relative, no '..', not starting with "..".
    func validateLocalNonReservedPath(_ target: String, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        if target.hasPrefix("/") { errs.append(.invalid(path, target, "must be a relative path")) }
        errs += validatePathNoBacksteps(target, path)
        if errs.isEmpty && target.hasPrefix("..") { errs.append(.invalid(path, target, "must not start with '..'")) }
        return errs
    }
}
