import Foundation
import Testing

@testable import APIMachinery

/// Real bodies captured from kubectl 1.32 must decode to exactly the JSON kubectl prints for the same object.
@Suite struct KubeProtobufFixtureTests {
    static let withJSON = KubectlProtobufFixtures.all.filter { $0.json != nil }

    @Test(arguments: withJSON)
    func decodesToKubectlsJSON(_ fixture: KubectlProtobufFixtures.Fixture) throws {
        let body = try #require(Data(base64Encoded: fixture.body))
        let decoded = try KubeProtobuf.decode(body)
        let expected = try JSON.parse(try #require(fixture.json))
        #expect(decoded == expected, "\(fixture.command)\n got: \(decoded)\nwant: \(expected)")
    }

    @Test func capturedEveryKubectlCommand() {
        // One fixture per command in scripts/gen-protobuf-fixtures.py; a lost capture must not pass silently.
        #expect(Self.withJSON.count == 19)
        #expect(Set(KubectlProtobufFixtures.all.map(\.name)).count == KubectlProtobufFixtures.all.count)
    }

    @Test func zeroReplicasSurvivesBecauseReplicasIsAPointer() throws {
        let fixture = KubectlProtobufFixtures.named("deploymentZeroReplicas")
        let decoded = try KubeProtobuf.decode(try #require(Data(base64Encoded: fixture.body)))
        #expect(decoded[path: ["spec", "replicas"]] == .int(0))
        // Plain int32 fields with omitempty are on the wire as 0 too, and must be dropped.
        #expect(decoded[path: ["spec", "minReadySeconds"]] == nil)
        #expect(decoded[path: ["metadata", "creationTimestamp"]] == .null)
        #expect(decoded[path: ["status"]] == .object([:]))
    }

    @Test func tokenRequestKeepsFieldsWithoutOmitempty() throws {
        // `kubectl create token` has no --dry-run; the expectation follows authentication/v1's Go tags:
        // audiences `json:"audiences"`, boundObjectRef `json:"boundObjectRef"` (a nil pointer → null),
        // status.token `json:"token"`, status.expirationTimestamp a zero metav1.Time → null.
        let fixture = KubectlProtobufFixtures.named("tokenRequest")
        let decoded = try KubeProtobuf.decode(try #require(Data(base64Encoded: fixture.body)))
        let expected = try JSON.parse(#"""
            {"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},
             "spec":{"audiences":["api"],"expirationSeconds":3600,"boundObjectRef":null},
             "status":{"token":"","expirationTimestamp":null}}
            """#)
        #expect(decoded == expected)
    }
}
