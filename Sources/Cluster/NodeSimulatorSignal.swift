import Foundation
import PKI

/// How a change to the spec's simulated nodes reaches a running cluster.
enum NodeSimulatorSignal {
    /// The simulator running now (if any) reads the spec again; the supervisor starts one if the spec now
    /// lists simulated nodes and none runs. The simulator is signalled first, and only one that ran before
    /// this change: a simulator the supervisor starts now reads the new spec anyway, and a SIGHUP before it
    /// set its handler would end it.
    static func specChanged(paths: ClusterPaths, supervisor: Int32) throws {
        if let pid = ProcessControl.readPID(paths.pidFile(ClusterComponents.nodeSimulatorComponent)), ProcessControl.isAlive(pid) {
            kill(pid, SIGHUP)
        }
        guard kill(supervisor, SIGHUP) == 0 else {
            throw ClusterError("cannot signal the supervisor (pid \(supervisor)) of cluster \"\(paths.name)\"")
        }
    }
}

/// The node simulator's identity and serving certificate, made for a cluster that has none yet (one
/// created before simulated nodes could join it, or created with real nodes only).
enum NodeSimulatorCredentials {
    static func ensure(paths: ClusterPaths, spec: ClusterSpec) throws {
        let identity = ClusterPKI.Identity.nodeSimulator
        let pki = try ClusterPKI.load(from: paths.pki, clusterName: spec.name)
        if !FileManager.default.fileExists(atPath: pki.certificateFile(ClusterPKI.Identity.kubeletServingFile(identity.file)).path) {
            try pki.issueNodeSimulatorServingCertificate()
        }
        if !FileManager.default.fileExists(atPath: paths.pki.appendingPathComponent("\(identity.file).conf").path) {
            try pki.issueClientCertificate(fileName: identity.file, user: identity.user, groups: identity.groups)
            try pki.writeKubeconfig(for: identity.file, server: "https://127.0.0.1:\(spec.apiServerPort)")
        }
    }
}
