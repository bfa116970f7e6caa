import APIMachinery
import Testing
@testable import Registry

@Suite struct ObjectMetaValidationTests {
    let pods = { (try? resource("pods")) ?? Catalog.resources[0] }()

    @Test func validMetadataPasses() throws {
        let meta = try json(#"{"name":"web-1","namespace":"default","labels":{"app":"web","app.kubernetes.io/name":"web"},"annotations":{"Example.com/Note":"x"},"finalizers":["kubernetes","example.com/cleanup"]}"#)
        #expect(validateObjectMeta(meta, for: pods).isEmpty)
    }

    @Test func nameRequiredUnlessGenerated() throws {
        let errs = validateObjectMeta(try json(#"{"namespace":"default"}"#), for: pods)
        #expect(messages(errs) == ["metadata.name: Required value: name or generateName is required"])
        // With generateName the server generates the name before validating; the prefix itself is checked.
        let generated = validateObjectMeta(try json(#"{"generateName":"web-","name":"web-x7k2p","namespace":"default"}"#), for: pods)
        #expect(generated.isEmpty)
        let badPrefix = validateObjectMeta(try json(#"{"generateName":"Web-","name":"web-x7k2p","namespace":"default"}"#), for: pods)
        #expect(badPrefix.map(\.field) == ["metadata.generateName"])
        #expect(badPrefix.first?.value == "\"Web-\"")
    }

    @Test func invalidNameUsesKindRule() throws {
        let errs = validateObjectMeta(try json(#"{"name":"My_Pod","namespace":"default"}"#), for: pods)
        #expect(messages(errs) == [
            "metadata.name: Invalid value: \"My_Pod\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ])
        let svc = try resource("services")
        let svcErrs = validateObjectMeta(try json(#"{"name":"my.svc","namespace":"default"}"#), for: svc)
        #expect(svcErrs.count == 1 && svcErrs[0].detail.hasPrefix("a DNS-1035 label"))
    }

    @Test func namespaceRequiredOrForbiddenByScope() throws {
        #expect(messages(validateObjectMeta(try json(#"{"name":"p"}"#), for: pods)) == ["metadata.namespace: Required value"])
        let nodes = try resource("nodes")
        #expect(messages(validateObjectMeta(try json(#"{"name":"n","namespace":"default"}"#), for: nodes))
            == ["metadata.namespace: Forbidden: not allowed on this type"])
        let bad = validateObjectMeta(try json(#"{"name":"p","namespace":"Default"}"#), for: pods)
        #expect(bad.map(\.field) == ["metadata.namespace"])
    }

    @Test func labelsAreCheckedAtTheMap() throws {
        let errs = validateObjectMeta(try json(#"{"name":"p","namespace":"d","labels":{"bad key":"ok","app":"bad value"}}"#), for: pods)
        #expect(errs.map(\.field) == ["metadata.labels", "metadata.labels"])
        // keys are checked in sorted order: "app" (bad value) before "bad key"
        #expect(errs[0].value == "\"bad value\"")
        #expect(errs[0].detail.hasPrefix("a valid label must be an empty string"))
        #expect(errs[1].value == "\"bad key\"")
        #expect(errs[1].detail.hasPrefix("name part must consist of alphanumeric characters"))
    }

    @Test func annotationsTotalSizeIsLimited() throws {
        let big = String(repeating: "x", count: 256 * 1024)
        var meta = try json(#"{"name":"p","namespace":"d"}"#)
        meta["annotations"] = ["k": .string(big)]
        let errs = validateObjectMeta(meta, for: pods)
        #expect(messages(errs) == ["metadata.annotations: Too long: may not be more than 262144 bytes"])
        // exactly at the limit passes
        meta["annotations"] = ["k": .string(String(repeating: "x", count: 256 * 1024 - 1))]
        #expect(validateObjectMeta(meta, for: pods).isEmpty)
    }

    @Test func ownerReferencesShape() throws {
        let meta = try json(#"{"name":"p","namespace":"d","ownerReferences":[{"apiVersion":"","kind":"","name":"","uid":""}]}"#)
        #expect(messages(validateObjectMeta(meta, for: pods)) == [
            "metadata.ownerReferences.apiVersion: Invalid value: \"\": version must not be empty",
            "metadata.ownerReferences.kind: Invalid value: \"\": must not be empty",
            "metadata.ownerReferences.name: Invalid value: \"\": must not be empty",
            "metadata.ownerReferences.uid: Invalid value: \"\": must not be empty",
        ])
        let two = try json(#"{"name":"p","namespace":"d","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"2","controller":true}]}"#)
        let errs = validateObjectMeta(two, for: pods)
        #expect(errs.count == 1)
        #expect(errs[0].detail == "Only one reference can have Controller set to true. Found \"true\" in references for ReplicaSet/a and ReplicaSet/b")
        let event = try json(#"{"name":"p","namespace":"d","ownerReferences":[{"apiVersion":"v1","kind":"Event","name":"e","uid":"1"}]}"#)
        #expect(validateObjectMeta(event, for: pods).first?.detail == "/v1, Kind=Event is disallowed from being an owner")
    }

    @Test func finalizerNames() throws {
        let meta = try json(#"{"name":"p","namespace":"d","finalizers":["foo","orphan","foregroundDeletion"]}"#)
        #expect(messages(validateObjectMeta(meta, for: pods)) == [
            "metadata.finalizers: Invalid value: []string{\"foo\", \"orphan\", \"foregroundDeletion\"}: finalizer orphan and foregroundDeletion cannot be both set",
            "metadata.finalizers[0]: Invalid value: \"foo\": name is neither a standard finalizer name nor is it fully qualified",
        ])
        // core/v1 events skip the legacy rule, as upstream's event validation does
        let events = try resource("events")
        let ev = try json(#"{"name":"e","namespace":"d","finalizers":["foo"]}"#)
        #expect(validateObjectMeta(ev, for: events).isEmpty)
    }

    @Test func negativeGeneration() throws {
        let meta = try json(#"{"name":"p","namespace":"d","generation":-1}"#)
        #expect(messages(validateObjectMeta(meta, for: pods)) == ["metadata.generation: Invalid value: -1: must be greater than or equal to 0"])
    }

    @Test func updateKeepsIdentity() throws {
        let old = try json(#"{"name":"p","namespace":"d","uid":"u1","resourceVersion":"5","creationTimestamp":"2024-05-01T10:00:00Z","generation":3}"#)
        var new = old
        #expect(validateObjectMetaUpdate(new: new, old: old).isEmpty)
        new["name"] = "q"
        new["uid"] = "u2"
        new["creationTimestamp"] = "2024-05-02T11:12:13Z"
        new["generation"] = 2
        #expect(messages(validateObjectMetaUpdate(new: new, old: old)) == [
            "metadata.generation: Invalid value: 2: must not be decremented",
            "metadata.name: Invalid value: \"q\": field is immutable",
            "metadata.uid: Invalid value: \"u2\": field is immutable",
            "metadata.creationTimestamp: Invalid value: 2024-05-02 11:12:13 +0000 UTC: field is immutable",
        ])
    }

    @Test func updateNeedsResourceVersion() throws {
        let old = try json(#"{"name":"p","namespace":"d","resourceVersion":"5"}"#)
        let new = try json(#"{"name":"p","namespace":"d"}"#)
        #expect(messages(validateObjectMetaUpdate(new: new, old: old)) == ["metadata.resourceVersion: Invalid value: \"\": must be specified for an update"])
    }

    @Test func noNewFinalizersWhileDeleting() throws {
        let old = try json(#"{"name":"p","namespace":"d","resourceVersion":"5","deletionTimestamp":"2024-05-01T10:00:00Z","deletionGracePeriodSeconds":30,"finalizers":["example.com/a"]}"#)
        var new = old
        new["finalizers"] = ["example.com/a", "example.com/b"]
        #expect(messages(validateObjectMetaUpdate(new: new, old: old)) == [
            "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"example.com/b\"}",
        ])
        new["finalizers"] = []
        #expect(validateObjectMetaUpdate(new: new, old: old).isEmpty)
        new["deletionGracePeriodSeconds"] = 10
        #expect(messages(validateObjectMetaUpdate(new: new, old: old)) == ["metadata.deletionGracePeriodSeconds: Invalid value: 10: field is immutable"])
    }

    @Test func rendersAsUpstreamStatus() throws {
        let errs = validateObjectMeta(try json(#"{"namespace":"default"}"#), for: pods)
        let status = APIError.invalid(kind: "Pod", name: "", group: "", errors: errs)
        #expect(status.code == 422)
        #expect(status.message == "Pod \"\" is invalid: metadata.name: Required value: name or generateName is required")
    }
}
