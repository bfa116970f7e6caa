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
/// every sync (atomically, through a rename) so updates reach running pods as upstream's do.
public struct VolumeManager: Sendable {
    public let root: URL
    let lookup: EnvResolver.SourceLookup
    /// Where projected service-account tokens come from; nil: such volumes cannot be set up.
    let tokens: ServiceAccountTokenManager?

    public init(kubeletRoot: URL, tokens: ServiceAccountTokenManager? = nil, lookup: @escaping EnvResolver.SourceLookup) {
        root = kubeletRoot.appendingPathComponent("pods", isDirectory: true)
        self.lookup = lookup
        self.tokens = tokens
    }

    public func podDirectory(uid: String) -> URL { root.appendingPathComponent(uid, isDirectory: true) }

    /// Prepares every volume of `pod` and returns the host path of each, by volume name. Throws
    /// `VolumeSetUpError` (the kubelet's FailedMount) when a required ConfigMap or Secret is missing.
    public func setUp(pod: JSON) async throws -> [String: String] {
        let uid = pod[path: ["metadata", "uid"]]?.string ?? ""
        let namespace = pod[path: ["metadata", "namespace"]]?.string ?? "default"
        let volumesDir = podDirectory(uid: uid).appendingPathComponent("volumes", isDirectory: true)
        var paths: [String: String] = [:]
        for volume in pod[path: ["spec", "volumes"]]?.array ?? [] {
            guard let name = volume["name"]?.string else { continue }
            let dir = volumesDir.appendingPathComponent(name, isDirectory: true)
            if let hostPath = volume["hostPath"] {
                let path = hostPath["path"]?.string ?? "/"
                let type = hostPath["type"]?.string ?? ""
                if type == "DirectoryOrCreate" {
                    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                } else if type == "FileOrCreate", !FileManager.default.fileExists(atPath: path) {
                    _ = FileManager.default.createFile(atPath: path, contents: nil)
                } else if !type.isEmpty, !FileManager.default.fileExists(atPath: path) {
                    throw VolumeSetUpError(volume: name, message: "hostPath type check failed: \(path) is not a \(type)")
                }
                paths[name] = path
                continue
            }
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            paths[name] = dir.path
            if volume["emptyDir"] != nil { continue }
            do {
                if let files = try await files(of: volume, pod: pod, namespace: namespace) {
                    try Self.writeAtomically(files, into: dir)
                }
            } catch let e as APIError {
                throw VolumeSetUpError(volume: name, message: e.message)
            }
        }
        return paths
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

    /// Writes `files` into a fresh directory beside `dir`'s contents and swaps it in through a `..data`
    /// symlink, as upstream's atomic writer does, so a reader never sees half an update.
    static func writeAtomically(_ files: [String: (Data, Int)], into dir: URL) throws {
        let fm = FileManager.default
        let stamp = "..\(UInt64(Date().timeIntervalSince1970 * 1_000_000))"
        let fresh = dir.appendingPathComponent(stamp, isDirectory: true)
        try fm.createDirectory(at: fresh, withIntermediateDirectories: true)
        for (path, (data, mode)) in files {
            let file = fresh.appendingPathComponent(path)
            try fm.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: file)
            try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
        }
        let dataLink = dir.appendingPathComponent("..data")
        let tmpLink = dir.appendingPathComponent("..data_tmp")
        try? fm.removeItem(at: tmpLink)
        try fm.createSymbolicLink(atPath: tmpLink.path, withDestinationPath: stamp)
        let old = try? fm.destinationOfSymbolicLink(atPath: dataLink.path)
        guard rename(tmpLink.path, dataLink.path) == 0 else { throw APIError.internalError("cannot update volume \(dir.path)") }
        for top in Set(files.keys.map { String($0.split(separator: "/")[0]) }) {
            let link = dir.appendingPathComponent(top)
            if (try? fm.destinationOfSymbolicLink(atPath: link.path)) == nil {
                try? fm.removeItem(at: link)
                try fm.createSymbolicLink(atPath: link.path, withDestinationPath: "..data/\(top)")
            }
        }
        if let old, old != stamp { try? fm.removeItem(at: dir.appendingPathComponent(old)) }
    }

    /// The bind mounts for `container`, given the host paths `setUp` returned.
    public static func mounts(container: JSON, volumes: [String: String]) throws -> [ContainerMount] {
        var mounts: [ContainerMount] = []
        for m in container["volumeMounts"]?.array ?? [] {
            guard let name = m["name"]?.string, let path = m["mountPath"]?.string else { continue }
            guard var host = volumes[name] else { throw APIError.badRequest("volume \"\(name)\" not found in the pod's volumes") }
            if let sub = m["subPath"]?.string, !sub.isEmpty {
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
        try? FileManager.default.removeItem(at: podDirectory(uid: uid))
    }
}
