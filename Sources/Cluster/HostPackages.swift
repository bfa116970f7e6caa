import Foundation

/// The Debian packages real nodes need on the host, found by the files they install: containerd and runc
/// run the containers, the CNI plugins wire pods (portmap through iptables), iproute2 builds the namespaces,
/// nftables and conntrack serve kube-proxy, procps's sysctl turns forwarding on, and a C compiler with a static libc builds the
/// pause image. Missing ones are installed with apt-get when running as root; otherwise the error names
/// them, so the user knows exactly what to install.
public struct HostPackages: Sendable {
    public struct Requirement: Sendable, Equatable {
        public var package: String
        /// Any one of these present means the package is installed.
        public var files: [String]
        /// Commands looked up on PATH instead of fixed files.
        public var commands: [String]

        public init(package: String, files: [String] = [], commands: [String] = []) {
            self.package = package
            self.files = files
            self.commands = commands
        }

        public var isPresent: Bool {
            files.allSatisfy { FileManager.default.fileExists(atPath: $0) }
                && commands.allSatisfy { HostCommand.which($0) != nil }
        }
    }

    public static let nodeRuntime: [Requirement] = [
        Requirement(package: "containerd", commands: ["containerd", "ctr", "containerd-shim-runc-v2"]),
        Requirement(package: "runc", commands: ["runc"]),
        Requirement(package: "containernetworking-plugins",
                    files: ["bridge", "host-local", "loopback", "portmap"].map { "/usr/lib/cni/" + $0 }),
        Requirement(package: "iproute2", commands: ["ip"]),
        Requirement(package: "nftables", commands: ["nft"]),
        // The CNI portmap plugin (pods' hostPorts) writes its rules with iptables.
        Requirement(package: "iptables", commands: ["iptables"]),
        Requirement(package: "conntrack", commands: ["conntrack"]),
        Requirement(package: "procps", commands: ["sysctl"]),
        Requirement(package: "util-linux", commands: ["nsenter"]),
    ]

    /// What building the pause image needs (only when it is not cached yet).
    public static let pauseBuild: [Requirement] = [
        Requirement(package: "gcc", commands: ["cc"]),
        Requirement(package: "libc6-dev", files: [staticLibc]),
    ]

    static var staticLibc: String {
        #if arch(arm64)
        "/usr/lib/aarch64-linux-gnu/libc.a"
        #else
        "/usr/lib/x86_64-linux-gnu/libc.a"
        #endif
    }

    public var progress: @Sendable (String) -> Void

    public init(progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.progress = progress
    }

    public static func missing(_ requirements: [Requirement]) -> [String] {
        requirements.filter { !$0.isPresent }.map(\.package)
    }

    /// Installs whatever of `requirements` is missing, or throws naming it.
    public func ensure(_ requirements: [Requirement]) throws {
        let missing = Self.missing(requirements)
        guard !missing.isEmpty else { return }
        guard geteuid() == 0, HostCommand.which("apt-get") != nil else {
            throw ClusterError("missing host packages: \(missing.joined(separator: " ")) — install them (e.g. `apt-get install \(missing.joined(separator: " "))`) and retry")
        }
        progress(" • Installing host packages: \(missing.joined(separator: " "))")
        let env = ["DEBIAN_FRONTEND": "noninteractive"]
        do {
            try HostCommand(["apt-get", "update", "-qq"], environment: env).run()
            try HostCommand(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing, environment: env).run()
        } catch {
            throw ClusterError("cannot install host packages \(missing.joined(separator: " ")): \(error)")
        }
        let still = Self.missing(requirements)
        if !still.isEmpty { throw ClusterError("host packages still missing after apt-get install: \(still.joined(separator: " "))") }
    }
}
