import APIMachinery
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Kubeconfig files on disk: read, write, and merge or remove a cluster's entries the way kind does, under
/// the `<file>.lock` lock that kubectl (client-go's clientcmd) and kind both take while rewriting a kubeconfig.
public enum KubeconfigFile {
    /// The config in the file; a missing or empty file is an empty config.
    public static func read(_ url: URL) throws(PKIError) -> Kubeconfig {
        guard FileManager.default.fileExists(atPath: url.path) else { return Kubeconfig() }
        let text = try SecureFile.readText(url)
        do {
            return try Kubeconfig.parse(text)
        } catch {
            throw .invalidKubeconfig(error.reason)
        }
    }

    /// Writes the config as YAML. A new file gets mode 0600 (it may hold keys); an existing file keeps its mode.
    /// Missing parent directories are created.
    public static func write(_ config: Kubeconfig, to url: URL) throws(PKIError) {
        try SecureFile.makeDirectory(url.deletingLastPathComponent())
        var mode = SecureFile.privateMode
        var info = stat()
        if stat(url.path, &info) == 0 { mode = info.st_mode & 0o7777 }
        try SecureFile.write(Data(config.yaml.utf8), to: url, mode: mode)
    }

    /// Merges `config` into the file (kind's `create cluster`): same-named entries are replaced, others kept,
    /// and the current context switched to `config`'s.
    public static func merge(_ config: Kubeconfig, into url: URL) throws(PKIError) {
        try withLock(url) { () throws(PKIError) in
            var existing = try read(url)
            existing.merge(config)
            try write(existing, to: url)
        }
    }

    /// Removes the entries called `name` from the file (kind's `delete cluster`); returns whether anything
    /// was removed. A missing file is left missing.
    @discardableResult
    public static func removeEntries(named name: String, from url: URL) throws(PKIError) -> Bool {
        guard FileManager.default.fileExists(atPath: url.path) else { return false }
        return try withLock(url) { () throws(PKIError) -> Bool in
            var existing = try read(url)
            guard existing.removeEntries(named: name) else { return false }
            try write(existing, to: url)
            return true
        }
    }

    /// The file a new cluster's entries go into, as kind picks it: an explicit `--kubeconfig` path; else the
    /// first existing file of `$KUBECONFIG` (or its last entry when none exists); else `~/.kube/config`.
    public static func pathForMerge(explicitPath: String? = nil, environment: [String: String], homeDirectory: URL) -> URL {
        if let explicitPath, !explicitPath.isEmpty { return URL(fileURLWithPath: explicitPath) }
        let listed = (environment["KUBECONFIG"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        if let existing = listed.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            return URL(fileURLWithPath: existing)
        }
        if let last = listed.last { return URL(fileURLWithPath: last) }
        return homeDirectory.appendingPathComponent(".kube").appendingPathComponent("config")
    }

    /// Runs `body` holding `<file>.lock`, created exclusively as clientcmd does. Waits up to `timeout` for
    /// another holder, then fails rather than overwrite its changes.
    static func withLock<T>(_ url: URL, timeout: TimeInterval = 5, _ body: () throws(PKIError) -> T) throws(PKIError) -> T {
        try SecureFile.makeDirectory(url.deletingLastPathComponent())
        let lockPath = url.resolvingSymlinksInPath().path + ".lock"
        let deadline = Date().addingTimeInterval(timeout)
        var fd = open(lockPath, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        while fd < 0 {
            guard errno == EEXIST else { throw .io(path: lockPath, reason: SecureFile.errnoText()) }
            guard Date() < deadline else { throw .kubeconfigLocked(lockPath) }
            usleep(20_000)
            fd = open(lockPath, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        }
        close(fd)
        defer { unlink(lockPath) }
        return try body()
    }
}
