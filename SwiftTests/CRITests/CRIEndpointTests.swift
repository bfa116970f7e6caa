import Testing
@testable import CRI

@Suite struct CRIEndpointTests {
    @Test func acceptsUnixURLAndPlainPath() throws {
        #expect(try CRIClient.socketPath(fromEndpoint: "unix:///run/skiff/c/n/containerd.sock") == "/run/skiff/c/n/containerd.sock")
        #expect(try CRIClient.socketPath(fromEndpoint: "/run/containerd/containerd.sock") == "/run/containerd/containerd.sock")
    }

    @Test func rejectsOtherSchemesRelativeAndOverlongPaths() {
        for endpoint in ["tcp://127.0.0.1:1234", "npipe:////./pipe/containerd", "run/containerd.sock", "unix://" + "/" + String(repeating: "a", count: 107)] {
            #expect(throws: CRIError.self) { try CRIClient.socketPath(fromEndpoint: endpoint) }
        }
    }

    @Test func errorKeepsGRPCCodeAndMessage() {
        let error = CRIError(code: .notFound, message: "container \"x\" not found", method: "RuntimeService/ContainerStatus")
        #expect(error.isNotFound)
        #expect(!error.isUnavailable)
        #expect(error.description == "CRI RuntimeService/ContainerStatus: NotFound: container \"x\" not found")
        #expect(CRIError.Code(rawValue: 14) == .unavailable)
    }

    /// With nothing listening on the socket, a call fails fast as `unavailable` rather than hanging until
    /// its deadline — the kubelet reports "runtime down" from this.
    @Test func callToAbsentSocketIsUnavailable() async throws {
        let error = await #expect(throws: CRIError.self) {
            try await withCRIClient(endpoint: "unix:///tmp/skiff-no-such-\(UInt32.random(in: 0 ... .max)).sock") { client in
                try await client.version(Runtime_V1_VersionRequest(), timeout: .seconds(5))
            }
        }
        #expect(error?.code == .unavailable)
        #expect(error?.method == "RuntimeService/Version")
    }
}
