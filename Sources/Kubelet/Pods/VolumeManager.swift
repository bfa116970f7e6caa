import APIMachinery
import Foundation

/// One bind mount into a container.
public struct ContainerMount: Sendable, Equatable {
    public var containerPath: String
    public var hostPath: String
    public var readOnly: Bool

    public init(containerPath: String, hostPath: String, readOnly: Bool) {
        self.containerPath = containerPath
        self.hostPath = hostPath
        self.readOnly = readOnly
    }
}

/// Lays out a pod's volumes on the node (upstream's volume manager, for the volume types a single-machine
/// cluster has): each volume is a directory under `<root>/pods/<uid>/volumes/<name>`, bind-mounted into the
/// containers that name it. ConfigMap, Secret and downward API contents are written as files, refreshed on
/// every sync (atomically, `AtomicWriter`) so updates reach running pods as upstream's do. hostPath volumes
/// and PersistentVolumeClaims (whose volumes are hostPath or local directories) are the node's own
/// directories, mounted in place: nothing of theirs is removed with the pod.
public struct VolumeManager: Sendable {
    public let root: URL
    let lookup: EnvResolver.SourceLookup
    /// Where projected service-account tokens come from; nil: such volumes cannot be set up.
    let tokens: ServiceAccountTokenManager?
    /// Claims and their volumes; nil: claims cannot be mounted.
    let claims: ClaimLookup?

    /// A claim (namespace, name) and the PersistentVolume it is bound to: the claim nil when missing, the
    /// volume nil while the claim is unbound.
    public typealias ClaimLookup = @Sendable (_ namespace: String, _ claim: String) async throws -> (claim: JSON?, volume: JSON?)

    public init(kubeletRoot: URL, tokens: ServiceAccountTokenManager? = nil, claims: ClaimLookup? = nil,
                lookup: @escaping EnvResolver.SourceLookup) {
        root = kubeletRoot.appendingPathComponent("pods", isDirectory: true)
        self.lookup = lookup
        self.tokens = tokens
        self.claims = claims
    }

    public func podDirectory(uid: String) -> URL { root.appendingPathComponent(uid, isDirectory: true) }

    /// Prepares every volume of `pod` and returns the host path of each, by volume name. Throws
    /// `VolumeSetUpError` (the kubelet's FailedMount) when a required ConfigMap or Secret is missing.
    public func setUp(pod: JSON) async throws -> [String: String] {
        let uid = pod[path: ["metadata", "uid"]]?.string ?? ""
        let namespace = pod[path: ["metadata", "namespace"]]?.string ?? "default"
        let volumesDir = podDirectory(uid: uid).appendingPathComponent("volumes", isDirectory: true)
        let fsGroup = pod[path: ["spec", "securityContext", "fsGroup"]]?.int
        var paths: [String: String] = [:]
        for volume in pod[path: ["spec", "volumes"]]?.array ?? [] {
            guard let name = volume["name"]?.string else { continue }
            let dir = volumesDir.appendingPathComponent(name, isDirectory: true)
            if let hostPath = volume["hostPath"] {
                let path = hostPath["path"]?.string ?? "/"
                if let failure = HostPathType.check(path: path, type: hostPath["type"]?.string ?? "") {
                    throw VolumeSetUpError(volume: name, message: failure)
                }
                paths[name] = path
                continue
            }
            if let claimName = volume[path: ["persistentVolumeClaim", "claimName"]]?.string {
                paths[name] = try await claimPath(volume: name, claim: claimName, pod: pod, ephemeral: false)
                continue
            }
            if volume["ephemeral"] != nil {
                let podName = pod[path: ["metadata", "name"]]?.string ?? ""
                paths[name] = try await claimPath(volume: name, claim: "\(podName)-\(name)", pod: pod, ephemeral: true)
                continue
            }
            let fresh = !FileManager.default.fileExists(atPath: dir.path)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            paths[name] = dir.path
            if let emptyDir = volume["emptyDir"] {
                if emptyDir["medium"]?.string == "Memory" {
                    let limit = emptyDir["sizeLimit"].flatMap { try? Quantity(json: $0) }.map(\.value)
                    do {
                        try MemoryMedium.mount(at: dir, sizeLimit: limit)
                    } catch {
                        throw VolumeSetUpError(volume: name, message: "\(error)")
                    }
                }
                if fresh || emptyDir["medium"]?.string == "Memory" {
                    // Upstream's emptyDir is world-writable (0777), and with fsGroup group-owned and setgid.
                    VolumeOwnership.prepareEmptyDir(dir, fsGroup: fsGroup)
                }
                continue
            }
            do {
                if var files = try await files(of: volume, pod: pod, namespace: namespace) {
                    if fsGroup != nil {
                        // Read-only content volumes: group-readable for the fsGroup (upstream's `roMask`).
                        for (path, file) in files { files[path] = (file.0, file.1 | 0o440) }
                    }
                    try Self.writeAtomically(files, into: dir, group: fsGroup)
                }
            } catch let e as APIError {
                throw VolumeSetUpError(volume: name, message: e.message)
            }
        }
        return paths
    }

    /// The node directory of a claim's volume (a hostPath or local PersistentVolume), once the claim is
    /// bound; until then the pod waits, as upstream's volume manager does.
    func claimPath(volume: String, claim claimName: String, pod: JSON, ephemeral: Bool) async throws -> String {
        let namespace = pod[path: ["metadata", "namespace"]]?.string ?? "default"
        guard let claims else {
            throw VolumeSetUpError(volume: volume, message: "persistentvolumeclaim volumes are not supported by this kubelet")
        }
        let (claim, pv) = try await claims(namespace, claimName)
        guard let claim else {
            throw VolumeSetUpError(volume: volume, message: "persistentvolumeclaim \"\(claimName)\" not found")
        }
        if ephemeral {
            let podUID = pod[path: ["metadata", "uid"]]?.string ?? ""
            let owned = (claim[path: ["metadata", "ownerReferences"]]?.array ?? []).contains {
                $0["uid"]?.string == podUID && $0["controller"]?.bool == true
            }
            if !owned {
                let podName = pod[path: ["metadata", "name"]]?.string ?? ""
                throw VolumeSetUpError(volume: volume, message: "PVC \(namespace)/\(claimName) was not created for pod \(namespace)/\(podName) (pod is not owner)")
            }
        }
        let phase = claim[path: ["status", "phase"]]?.string ?? ""
        let volumeName = claim[path: ["spec", "volumeName"]]?.string ?? ""
        guard phase == "Bound", !volumeName.isEmpty, let pv else {
            throw VolumeSetUpError(volume: volume, message: "PVC \(namespace)/\(claimName) has non-bound phase (\"\(phase)\") or empty pvc.Spec.VolumeName (\"\(volumeName)\")")
        }
        if let hostPath = pv[path: ["spec", "hostPath"]], let path = hostPath["path"]?.string {
            if let failure = HostPathType.check(path: path, type: hostPath["type"]?.string ?? "") {
                throw VolumeSetUpError(volume: volumeName, message: failure)
            }
            return path
        }
        if let path = pv[path: ["spec", "local", "path"]]?.string {
            guard HostPathType.kind(of: path) != nil else {
                throw VolumeSetUpError(volume: volumeName, message: "path \"\(path)\" does not exist")
            }
            return path
        }
        throw VolumeSetUpError(volume: volumeName, message: "volume \"\(volumeName)\" has no volume source this kubelet can mount (hostPath or local)")
    }

    /// The files a content volume holds: path → (bytes, mode).
    func files(of volume: JSON, pod: JSON, namespace: String) async throws -> [String: (Data, Int)]? {
        if let cm = volume["configMap"] {
            return try await sourceFiles(.configMap, cm, namespace: namespace)
        }
        if let secret = volume["secret"] {
            var ref = secret
            ref["name"] = secret["secretName"]
            return try await sourceFiles(.secret, ref, namespace: namespace)
        }
        if let downward = volume["downwardAPI"] {
            return try downwardFiles(downward, pod: pod)
        }
        if let projected = volume["projected"] {
            var all: [String: (Data, Int)] = [:]
            let mode = projected["defaultMode"]?.int.map(Int.init) ?? 0o644
            for source in projected["sources"]?.array ?? [] {
                var part: [String: (Data, Int)]?
                if var cm = source["configMap"] { cm["defaultMode"] = .int(Int64(mode)); part = try await sourceFiles(.configMap, cm, namespace: namespace) }
                if var s = source["secret"] { s["defaultMode"] = .int(Int64(mode)); part = try await sourceFiles(.secret, s, namespace: namespace) }
                if var d = source["downwardAPI"] { d["defaultMode"] = .int(Int64(mode)); part = try downwardFiles(d, pod: pod) }
                if let projection = source["serviceAccountToken"] {
                    part = try await tokenFile(projection, pod: pod, mode: mode)
                }
                for (k, v) in part ?? [:] { all[k] = v }
            }
            return all
        }
        return nil
    }

    /// A `serviceAccountToken` projection: the pod's bound token, written at `path` with the volume's mode.
    func tokenFile(_ projection: JSON, pod: JSON, mode: Int) async throws -> [String: (Data, Int)] {
        guard let tokens else {
            throw APIError.badRequest("projected serviceAccountToken volumes are not supported by this kubelet (no token source)")
        }
        let token = try await tokens.token(
            pod: pod, audience: projection["audience"]?.string ?? "",
            expirationSeconds: projection["expirationSeconds"]?.int ?? 3600)
        return [projection["path"]?.string ?? "token": (Data(token.utf8), mode)]
    }

    func sourceFiles(_ kind: EnvResolver.SourceKind, _ ref: JSON, namespace: String) async throws -> [String: (Data, Int)] {
        let name = ref["name"]?.string ?? ""
        let mode = ref["defaultMode"]?.int.map(Int.init) ?? 0o644
        guard let data = try await lookup(kind, namespace, name) else {
            if ref["optional"]?.bool == true { return [:] }
            throw APIError.badRequest("\(kind.rawValue) \"\(name)\" not found")
        }
        var files: [String: (Data, Int)] = [:]
        if let items = ref["items"]?.array {
            for item in items {
                guard let key = item["key"]?.string, let path = item["path"]?.string else { continue }
                guard let value = data[key] else {
                    if ref["optional"]?.bool == true { continue }
                    throw APIError.badRequest("configmap references non-existent config key: \(key)")
                }
                files[path] = (Data(value.utf8), item["mode"]?.int.map(Int.init) ?? mode)
            }
        } else {
            for (key, value) in data { files[key] = (Data(value.utf8), mode) }
        }
        return files
    }

    func downwardFiles(_ downward: JSON, pod: JSON) throws -> [String: (Data, Int)] {
        let mode = downward["defaultMode"]?.int.map(Int.init) ?? 0o644
        var files: [String: (Data, Int)] = [:]
        for item in downward["items"]?.array ?? [] {
            guard let path = item["path"]?.string, let field = item[path: ["fieldRef", "fieldPath"]]?.string else { continue }
            let value: String
            switch field {
            case "metadata.labels", "metadata.annotations":
                let section = field == "metadata.labels" ? "labels" : "annotations"
                let map = pod[path: ["metadata", section]]?.object ?? [:]
                value = map.keys.sorted().map { "\($0)=\"\(map[$0]?.string ?? "")\"" }.joined(separator: "\n")
            default:
                value = try EnvResolver.fieldValue(field, pod: pod, podIP: pod[path: ["status", "podIP"]]?.string ?? "",
                                                   hostIP: pod[path: ["status", "hostIP"]]?.string ?? "")
            }
            files[path] = (Data(value.utf8), item["mode"]?.int.map(Int.init) ?? mode)
        }
        return files
    }

    /// Writes `files` through `AtomicWriter` (the `..data` symlink swap); nothing when they are unchanged.
    static func writeAtomically(_ files: [String: (Data, Int)], into dir: URL, group: Int64? = nil) throws {
        var payload: AtomicWriter.Payload = [:]
        for (path, (data, mode)) in files { payload[path] = (data, mode) }
        do {
            try AtomicWriter(directory: dir, group: group.map { UInt32(truncatingIfNeeded: $0) }).write(payload)
        } catch let e as AtomicWriterError {
            throw APIError.badRequest(e.message)
        }
    }

    /// The bind mounts for `container`, given the host paths `setUp` returned. `subPath` mounts a path
    /// inside the volume (made when missing); `subPathExpr` is the same with `$(VAR)` expanded from the
    /// container's `environment`, as upstream expands it.
    public static func mounts(container: JSON, volumes: [String: String], environment: [String: String] = [:]) throws -> [ContainerMount] {
        var mounts: [ContainerMount] = []
        for m in container["volumeMounts"]?.array ?? [] {
            guard let name = m["name"]?.string, let path = m["mountPath"]?.string else { continue }
            guard var host = volumes[name] else { throw APIError.badRequest("volume \"\(name)\" not found in the pod's volumes") }
            var sub = m["subPath"]?.string ?? ""
            if let expr = m["subPathExpr"]?.string, !expr.isEmpty { sub = EnvResolver.expand(expr, with: environment) }
            if !sub.isEmpty {
                if sub.hasPrefix("/") || sub.split(separator: "/").contains("..") {
                    throw APIError.badRequest("subpath \"\(sub)\" must be a relative path inside the volume")
                }
                host = URL(fileURLWithPath: host).appendingPathComponent(sub).path
                if !FileManager.default.fileExists(atPath: host) {
                    try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
                }
            }
            mounts.append(ContainerMount(containerPath: path, hostPath: host, readOnly: m["readOnly"]?.bool ?? false))
        }
        return mounts
    }

    /// Removes everything the pod's volumes wrote (hostPath volumes are the node's, and stay).
    public func tearDown(uid: String) {
        tokens?.forget(podUID: uid)
        // Memory volumes are unmounted first: removing the directory must not reach through a mount.
        MemoryMedium.unmountAll(under: podDirectory(uid: uid).appendingPathComponent("volumes", isDirectory: true))
        try? FileManager.default.removeItem(at: podDirectory(uid: uid))
    }
}
