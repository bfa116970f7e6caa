import Foundation
import Testing

@testable import Cluster

@Suite struct HostPackagesTests {
    @Test func missingPackagesAreNamedByWhatTheyInstall() {
        let reqs = [
            HostPackages.Requirement(package: "present", commands: ["sh"]),
            HostPackages.Requirement(package: "absent-tool", commands: ["skiff-no-such-tool"]),
            HostPackages.Requirement(package: "absent-file", files: ["/nonexistent/skiff/bridge"]),
        ]
        #expect(HostPackages.missing(reqs) == ["absent-tool", "absent-file"])
    }

    @Test func theNodeRuntimeListCoversWhatNodesRun() {
        let names = HostPackages.nodeRuntime.map(\.package)
        for p in ["containerd", "runc", "containernetworking-plugins", "iproute2", "nftables", "conntrack"] {
            #expect(names.contains(p))
        }
    }
}
