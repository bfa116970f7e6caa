import Foundation
import Testing

@testable import APIMachinery

/// Decoding of each protobuf feature Kubernetes objects use, from bodies built byte by byte.
@Suite struct KubeProtobufTests {
    typealias PB = ProtobufTestEncoder

    // MARK: Time and MicroTime

    @Test func timeIsRFC3339SecondsAndZeroTimeIsNull() throws {
        let body = PB.body(apiVersion: "v1", kind: "ConfigMap") { cm in
            cm.message(1) { meta in
                meta.string(1, "c")
                meta.message(8) { $0.varint(1, 1_700_000_000); $0.varint(2, 999) }  // nanos dropped, as upstream
                meta.message(9) { $0.varint(1, -1) }
            }
        }
        let json = try KubeProtobuf.decode(body)
        #expect(json[path: ["metadata", "creationTimestamp"]] == "2023-11-14T22:13:20Z")
        #expect(json[path: ["metadata", "deletionTimestamp"]] == "1969-12-31T23:59:59Z")

        let zero = PB.body(apiVersion: "v1", kind: "ConfigMap") { cm in
            cm.message(1) { meta in
                meta.message(8) { $0.varint(1, Timestamp.goZero.seconds) }
                meta.message(9) { _ in }  // present but empty: the zero time
            }
        }
        let zeroJSON = try KubeProtobuf.decode(zero)
        #expect(zeroJSON[path: ["metadata", "creationTimestamp"]] == .null)
        #expect(zeroJSON[path: ["metadata", "deletionTimestamp"]] == .null)
    }

    @Test func calendarEdges() {
        #expect(GoTimeFormat.rfc3339(seconds: 1_709_164_800, nanos: 0) == "2024-02-29T00:00:00Z")
        #expect(GoTimeFormat.rfc3339(seconds: 951_782_400, nanos: 0) == "2000-02-29T00:00:00Z")
        #expect(GoTimeFormat.rfc3339(seconds: 0, nanos: 0) == "1970-01-01T00:00:00Z")
        #expect(GoTimeFormat.rfc3339(seconds: Timestamp.goZero.seconds + 1, nanos: 0) == "0001-01-01T00:00:01Z")
        #expect(GoTimeFormat.rfc3339(seconds: 253_402_300_799, nanos: 0) == "9999-12-31T23:59:59Z")
        #expect(GoTimeFormat.rfc3339(seconds: Timestamp.goZero.seconds, nanos: 0) == nil)
    }

    @Test func microTimeKeepsSixFractionalDigits() throws {
        let body = PB.body(apiVersion: "coordination.k8s.io/v1", kind: "Lease") { lease in
            lease.message(2) { spec in
                spec.string(1, "holder")
                spec.message(3) { $0.varint(1, 1_700_000_000); $0.varint(2, 123_456_789) }
                spec.message(4) { $0.varint(1, 1_700_000_000) }
            }
        }
        let json = try KubeProtobuf.decode(body)
        #expect(json[path: ["spec", "acquireTime"]] == "2023-11-14T22:13:20.123456Z")
        #expect(json[path: ["spec", "renewTime"]] == "2023-11-14T22:13:20.000000Z")
        #expect(json[path: ["spec", "holderIdentity"]] == "holder")
        // Negative nanoseconds borrow a second, as time.Unix normalises them.
        #expect(GoTimeFormat.rfc3339Micro(seconds: 1_700_000_000, nanos: -1) == "2023-11-14T22:13:19.999999Z")
    }

    @Test func durationsPrintLikeGo() {
        #expect(GoTimeFormat.duration(nanoseconds: 0) == "0s")
        #expect(GoTimeFormat.duration(nanoseconds: 1) == "1ns")
        #expect(GoTimeFormat.duration(nanoseconds: 1_500) == "1.5µs")
        #expect(GoTimeFormat.duration(nanoseconds: 100_000_000) == "100ms")
        #expect(GoTimeFormat.duration(nanoseconds: 1_500_000_000) == "1.5s")
        #expect(GoTimeFormat.duration(nanoseconds: 90_000_000_000) == "1m30s")
        #expect(GoTimeFormat.duration(nanoseconds: 3_600_000_000_000) == "1h0m0s")
        #expect(GoTimeFormat.duration(nanoseconds: 3_723_000_000_001) == "1h2m3.000000001s")
        #expect(GoTimeFormat.duration(nanoseconds: -2_000_000_000) == "-2s")
    }

    @Test func durationMessageDecodesThroughTheTable() throws {
        // No served kind has a metav1.Duration field, so wrap the real meta/v1 Duration in a test message.
        let bundled = try ProtobufFieldTable.bundled.get()
        let table = ProtobufFieldTable(
            packages: ["test/v1": "test"],
            messages: Array(bundled.messages.values) + [
                ProtobufMessage(name: "test.Holder", isKind: true, fields: [
                    ProtobufField(number: 1, jsonName: "timeout", type: .message(ProtobufFieldTable.metaPackage + ".Duration"),
                                  repeated: false, omitempty: true, pointer: true, inline: false),
                ])
            ])
        let body = PB.body(apiVersion: "test/v1", kind: "Holder") { $0.message(1) { $0.varint(1, 90_000_000_000) } }
        let json = try KubeProtobuf.decode([UInt8](body), table: table, depth: 0)
        #expect(json == ["apiVersion": "test/v1", "kind": "Holder", "timeout": "1m30s"])
    }

    // MARK: IntOrString and Quantity

    @Test func intOrStringIsANumberOrAString() throws {
        let body = PB.body(apiVersion: "v1", kind: "Service") { svc in
            svc.message(2) { spec in
                spec.message(1) { $0.varint(3, 80); $0.message(4) { $0.varint(1, 0); $0.varint(2, 8080) } }
                spec.message(1) { $0.varint(3, 443); $0.message(4) { $0.varint(1, 1); $0.string(3, "https") } }
                spec.message(1) { $0.varint(3, 81) }  // targetPort absent: Go's zero IntOrString
            }
        }
        let ports = try #require(try KubeProtobuf.decode(body)[path: ["spec", "ports"]]?.array)
        #expect(ports == [["port": 80, "targetPort": 8080], ["port": 443, "targetPort": "https"], ["port": 81, "targetPort": 0]])
    }

    @Test func intOrStringWithAnImpossibleTypeIsRejected() {
        let body = PB.body(apiVersion: "policy/v1", kind: "PodDisruptionBudget") { pdb in
            pdb.message(2) { $0.message(3) { $0.varint(1, 2); $0.varint(2, 1) } }
        }
        #expect(throws: KubeProtobufError.self) { try KubeProtobuf.decode(body) }
    }

    @Test func quantitiesAreStringsAndAnEmptyOneIsAnError() throws {
        let body = PB.body(apiVersion: "v1", kind: "ResourceQuota") { q in
            q.message(2) { spec in
                spec.message(1) { $0.string(1, "cpu"); $0.message(2) { $0.string(1, "500m") } }
                spec.message(1) { $0.string(1, "memory"); $0.message(2) { $0.string(1, "1Gi") } }
                spec.message(1) { $0.string(1, "pods") }  // entry without a value: the zero Quantity
            }
        }
        #expect(try KubeProtobuf.decode(body)[path: ["spec", "hard"]] == ["cpu": "500m", "memory": "1Gi", "pods": "0"])

        let empty = PB.body(apiVersion: "v1", kind: "ResourceQuota") { q in
            q.message(2) { $0.message(1) { $0.string(1, "cpu"); $0.message(2) { $0.string(1, "") } } }
        }
        #expect(throws: KubeProtobufError(QuantityParseError.formatWrong.description)) { try KubeProtobuf.decode(empty) }
    }

    // MARK: bytes and maps

    @Test func bytesAreBase64AndMapsAreObjects() throws {
        let body = PB.body(apiVersion: "v1", kind: "Secret") { s in
            s.message(1) { meta in
                meta.string(1, "s")
                meta.mapEntry(11, "app", "web")
                meta.mapEntry(11, "tier", "front")
                meta.mapEntry(12, "note", "")
            }
            s.message(2) { $0.string(1, "bin"); $0.bytes(2, [0x00, 0xFF, 0x10]) }
            s.message(2) { $0.string(1, "empty") }
            s.string(3, "Opaque")
        }
        let json = try KubeProtobuf.decode(body)
        #expect(json["data"] == ["bin": "AP8Q", "empty": ""])
        #expect(json[path: ["metadata", "labels"]] == ["app": "web", "tier": "front"])
        #expect(json[path: ["metadata", "annotations"]] == ["note": ""])
        #expect(json["type"] == "Opaque")
        #expect(json["stringData"] == nil)
        #expect(json["immutable"] == nil)
    }

    @Test func laterMapEntriesReplaceEarlierOnes() throws {
        let body = PB.body(apiVersion: "v1", kind: "ConfigMap") { cm in
            cm.mapEntry(2, "k", "first")
            cm.mapEntry(2, "k", "second")
        }
        #expect(try KubeProtobuf.decode(body)["data"] == ["k": "second"])
    }

    // MARK: Nested and repeated messages, inlined structs, packed scalars

    @Test func podWithNestedRepeatedMessages() throws {
        let body = PB.body(apiVersion: "v1", kind: "Pod") { pod in
            pod.message(2) { spec in
                spec.message(1) { vol in
                    vol.string(1, "v")
                    vol.message(2) { $0.message(19) { $0.message(1) { $0.string(1, "cm") }; $0.varint(3, 420) } }
                }
                spec.message(2) { c in
                    c.string(1, "a")
                    c.string(3, "sh")
                    c.string(3, "-c")
                    c.message(6) { $0.varint(3, 80) }
                    c.message(6) { $0.string(1, "https"); $0.varint(3, 443) }
                    c.message(7) { $0.string(1, "X"); $0.string(2, "1") }
                    c.message(8) { $0.message(1) { $0.string(1, "cpu"); $0.message(2) { $0.string(1, "250m") } } }
                    c.message(10) { probe in
                        probe.message(1) { $0.message(2) { $0.string(1, "/healthz"); $0.message(2) { $0.varint(1, 1); $0.string(3, "http") } } }
                        probe.varint(4, 10)
                    }
                }
                spec.message(2) { $0.string(1, "b") }
                spec.message(14) { sc in
                    sc.varint(3, 0)  // runAsNonRoot: *bool set to false
                    sc.bytes(4, PB.varintBytes(1) + PB.varintBytes(2))  // packed supplementalGroups
                    sc.varint(4, 3)  // and one more unpacked
                }
                spec.varint(21, 0)  // automountServiceAccountToken: false
                spec.string(3, "")  // restartPolicy "" with omitempty: dropped
            }
        }
        let json = try KubeProtobuf.decode(body)
        #expect(json["metadata"] == ["creationTimestamp": nil])
        #expect(json["status"] == .object([:]))
        #expect(json[path: ["spec", "volumes"]] == [["name": "v", "configMap": ["name": "cm", "defaultMode": 420]]])
        let containers = try #require(json[path: ["spec", "containers"]]?.array)
        #expect(containers.count == 2)
        #expect(containers[0] == [
            "name": "a", "command": ["sh", "-c"],
            "ports": [["containerPort": 80], ["name": "https", "containerPort": 443]],
            "env": [["name": "X", "value": "1"]],
            "resources": ["limits": ["cpu": "250m"]],
            "livenessProbe": ["httpGet": ["path": "/healthz", "port": "http"], "periodSeconds": 10],
        ])
        #expect(containers[1] == ["name": "b", "resources": [:]])
        #expect(json[path: ["spec", "securityContext"]] == ["runAsNonRoot": false, "supplementalGroups": [1, 2, 3]])
        #expect(json[path: ["spec", "automountServiceAccountToken"]] == false)
        #expect(json[path: ["spec", "restartPolicy"]] == nil)
    }

    @Test func absentSliceWithoutOmitemptyIsNull() throws {
        // PodSpec.containers is `json:"containers"`: a Pod with no containers prints "containers": null.
        let json = try KubeProtobuf.decode(PB.body(apiVersion: "v1", kind: "Pod") { $0.message(2) { _ in } })
        #expect(json["spec"] == ["containers": nil])
    }

    @Test func repeatedSingularMessagesMergeAndScalarsTakeTheLastValue() throws {
        let body = PB.body(apiVersion: "v1", kind: "ConfigMap") { cm in
            cm.message(1) { $0.string(1, "first"); $0.mapEntry(11, "a", "1") }
            cm.message(1) { $0.string(1, "second"); $0.string(3, "ns"); $0.mapEntry(11, "b", "2") }
        }
        let meta = try KubeProtobuf.decode(body)["metadata"]
        #expect(meta == ["name": "second", "namespace": "ns", "labels": ["a": "1", "b": "2"], "creationTimestamp": nil])
    }

    @Test func unknownFieldsAreSkipped() throws {
        let body = PB.body(apiVersion: "v1", kind: "ConfigMap") { cm in
            cm.varint(99, 7)
            cm.key(98, 5); cm.bytes += [1, 2, 3, 4]
            cm.key(97, 1); cm.bytes += [1, 2, 3, 4, 5, 6, 7, 8]
            cm.string(96, "future field")
            cm.key(95, 3); cm.varint(1, 1); cm.key(95, 4)  // a group
            cm.mapEntry(2, "k", "v")
        }
        #expect(try KubeProtobuf.decode(body) == ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["creationTimestamp": nil], "data": ["k": "v"]])
    }

    // MARK: Embedded JSON and protobuf

    @Test func fieldsV1AndRawExtensionHoldJSON() throws {
        let body = PB.body(apiVersion: "apps/v1", kind: "ControllerRevision") { rev in
            rev.message(1) { meta in
                meta.string(1, "r")
                meta.message(17) { mf in
                    mf.string(1, "kubectl")
                    mf.string(2, "Update")
                    mf.message(4) { $0.varint(1, 1_700_000_000) }
                    mf.string(6, "FieldsV1")
                    mf.message(7) { $0.string(1, #"{"f:data":{".":{}}}"#) }
                }
            }
            rev.message(2) { $0.string(1, #"{"spec":{"replicas":2}}"#) }
            rev.varint(3, 4)
        }
        let json = try KubeProtobuf.decode(body)
        #expect(json[path: ["metadata", "managedFields"]] == [[
            "manager": "kubectl", "operation": "Update", "time": "2023-11-14T22:13:20Z",
            "fieldsType": "FieldsV1", "fieldsV1": ["f:data": [".": [:]]],
        ]])
        #expect(json["data"] == ["spec": ["replicas": 2]])
        #expect(json["revision"] == 4)
    }

    @Test func rawExtensionMayHoldAProtobufObject() throws {
        let inner = PB.body(apiVersion: "v1", kind: "ConfigMap") { $0.mapEntry(2, "k", "v") }
        let body = PB.body(apiVersion: "apps/v1", kind: "ControllerRevision") { $0.message(2) { $0.bytes(1, Array(inner)) } }
        #expect(try KubeProtobuf.decode(body)["data"] == ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["creationTimestamp": nil], "data": ["k": "v"]])

        let bad = PB.body(apiVersion: "apps/v1", kind: "ControllerRevision") { $0.message(2) { $0.string(1, "not json") } }
        #expect(throws: KubeProtobufError.self) { try KubeProtobuf.decode(bad) }
    }

    @Test func namedSliceTypesInMapValues() throws {
        // UserInfo.extra is map<string, ExtraValue>; ExtraValue is a Go []string wrapped as {1: items}.
        let body = PB.body(apiVersion: "authentication.k8s.io/v1", kind: "TokenReview") { tr in
            tr.message(3) { status in
                status.varint(1, 1)
                status.message(2) { user in
                    user.string(1, "alice")
                    user.string(3, "devs")
                    user.message(4) { $0.string(1, "scopes"); $0.message(2) { $0.string(1, "a"); $0.string(1, "b") } }
                }
            }
        }
        let status = try KubeProtobuf.decode(body)["status"]
        #expect(status == ["authenticated": true, "user": ["username": "alice", "groups": ["devs"], "extra": ["scopes": ["a", "b"]]]])
    }

    // MARK: Envelope and kinds

    @Test func endpointSuppliesAMissingKindOrVersion() throws {
        var unknown = PB()
        unknown.message(1) { $0.string(1, "v1") }
        unknown.bytes(2, { var m = PB(); m.mapEntry(2, "k", "v"); return m.bytes }())
        let body = Data(KubeProtobuf.magic + unknown.bytes)
        #expect(throws: KubeProtobufError(#"Object 'Kind' is missing in 'runtime.TypeMeta{APIVersion:"v1", Kind:""}'"#)) {
            try KubeProtobuf.decode(body)
        }
        let json = try KubeProtobuf.decode(body, defaultAPIVersion: "v1", defaultKind: "ConfigMap")
        #expect(json["kind"] == "ConfigMap")
        #expect(json["data"] == ["k": "v"])

        var noVersion = PB()
        noVersion.message(1) { $0.string(2, "Namespace") }
        let nsBody = Data(KubeProtobuf.magic + noVersion.bytes)
        #expect(throws: KubeProtobufError(#"Object 'apiVersion' is missing in 'runtime.TypeMeta{APIVersion:"", Kind:"Namespace"}'"#)) {
            try KubeProtobuf.decode(nsBody)
        }
        let ns = try KubeProtobuf.decode(nsBody, defaultAPIVersion: "v1", defaultKind: "Namespace")
        #expect(ns == ["apiVersion": "v1", "kind": "Namespace", "metadata": ["creationTimestamp": nil], "spec": [:], "status": [:]])
    }

    @Test func deleteOptionsResolveInAnyServedGroupVersion() throws {
        let body = PB.body(apiVersion: "apps/v1", kind: "DeleteOptions") { $0.varint(1, 0); $0.string(4, "Foreground") }
        let json = try KubeProtobuf.decode(body)
        #expect(json == ["apiVersion": "apps/v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0, "propagationPolicy": "Foreground"])
    }

    @Test func unknownKindsAndVersionsAreRejected() {
        #expect(throws: KubeProtobufError(#"no kind "Widget" is registered for version "v1""#)) {
            try KubeProtobuf.decode(PB.body(apiVersion: "v1", kind: "Widget") { _ in })
        }
        #expect(throws: KubeProtobufError(#"no kind "Thing" is registered for version "example.com/v1""#)) {
            try KubeProtobuf.decode(PB.body(apiVersion: "example.com/v1", kind: "Thing") { _ in })
        }
        // A helper message is not a kind a client can send.
        #expect(throws: KubeProtobufError.self) { try KubeProtobuf.decode(PB.body(apiVersion: "v1", kind: "Container") { _ in }) }
    }

    // MARK: Bad input

    @Test func badEnvelopes() {
        #expect(throws: KubeProtobufError("empty data")) { try KubeProtobuf.decode(Data()) }
        #expect(throws: KubeProtobufError("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]")) {
            try KubeProtobuf.decode(Data(#"{"kind":"ConfigMap"}"#.utf8))
        }
        #expect(throws: KubeProtobufError("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]")) {
            try KubeProtobuf.decode(Data([0x6B, 0x38]))
        }
        #expect(throws: KubeProtobufError("empty body")) { try KubeProtobuf.decode(Data(KubeProtobuf.magic)) }
    }

    @Test func truncatedAndMalformedBodies() throws {
        var object = PB()
        object.message(1) { $0.string(1, "c") }
        object.mapEntry(2, "k", "v")
        let good = PB.body(apiVersion: "v1", kind: "ConfigMap") { $0.bytes = object.bytes }
        // The envelope's raw field comes last (key, one length byte, object): a cut anywhere after its key
        // falls inside a field, and so does any cut inside the object.
        let rawKey = good.count - object.bytes.count - 2
        #expect(good[good.startIndex + rawKey] == 0x12)
        for cut in (rawKey + 1)..<good.count {
            #expect(throws: KubeProtobufError.self, "cut at \(cut)") { try KubeProtobuf.decode(good.prefix(cut)) }
        }
        #expect(throws: KubeProtobufError.integerOverflow) {
            try KubeProtobuf.decode(Data(KubeProtobuf.magic + [0x28] + [UInt8](repeating: 0xFF, count: 11)))
        }
        #expect(throws: KubeProtobufError.wrongWireType(0, field: "metadata")) {
            try KubeProtobuf.decode(PB.body(apiVersion: "v1", kind: "ConfigMap") { $0.varint(1, 5) })
        }
        #expect(throws: KubeProtobufError.wrongWireType(0, field: "Raw")) {
            try KubeProtobuf.decode(Data(KubeProtobuf.magic + [0x10, 0x01]))
        }
        #expect(throws: KubeProtobufError("proto: ConfigMap: illegal tag 0 (wire type 0)")) {
            try KubeProtobuf.decode(PB.body(apiVersion: "v1", kind: "ConfigMap") { $0.bytes += [0x00, 0x00] })
        }
        #expect(throws: KubeProtobufError("proto: ConfigMap: wiretype end group for non-group")) {
            try KubeProtobuf.decode(PB.body(apiVersion: "v1", kind: "ConfigMap") { $0.key(5, 4) })
        }
    }

    @Test func hostileNestingIsBounded() {
        var body = PB.body(apiVersion: "v1", kind: "ConfigMap") { _ in }
        for _ in 0..<200 {
            let inner = Array(body)
            body = PB.body(apiVersion: "apps/v1", kind: "ControllerRevision") { $0.message(2) { $0.bytes(1, inner) } }
        }
        #expect(throws: KubeProtobufError("proto: exceeded maximum nesting depth")) { try KubeProtobuf.decode(body) }
    }

    // MARK: The table

    @Test func tableIsCompleteForEveryServedKind() throws {
        let table = try ProtobufFieldTable.bundled.get()
        for (apiVersion, kind) in [
            ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Pod"), ("v1", "Service"), ("v1", "Namespace"), ("v1", "Node"),
            ("v1", "Endpoints"), ("v1", "Event"), ("v1", "ServiceAccount"), ("v1", "Binding"), ("apps/v1", "Deployment"),
            ("apps/v1", "ReplicaSet"), ("autoscaling/v1", "Scale"), ("coordination.k8s.io/v1", "Lease"),
            ("discovery.k8s.io/v1", "EndpointSlice"), ("policy/v1", "Eviction"), ("authentication.k8s.io/v1", "TokenRequest"),
        ] {
            #expect(table.message(apiVersion: apiVersion, kind: kind) != nil, "\(apiVersion) \(kind)")
        }
        // Every message a field points at is in the table, so decoding never meets a hole.
        for message in table.messages.values {
            for field in message.fields {
                switch field.type {
                case .message(let name), .map(_, .message(let name)):
                    #expect(table.messages[name] != nil, "\(message.name).\(field.jsonName) → \(name)")
                default: break
                }
            }
        }
    }
}
