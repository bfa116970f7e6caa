import Foundation
import Testing

@testable import APIMachinery

@Suite struct ApplyRecordUpdateTests {
    typealias F = ApplyFixtures

    /// What `kubectl create -f` / client-side `kubectl apply` sends for a new Deployment, with the
    /// server's defaults filled in.
    static func clientSideCreate() -> JSON {
        F.manifest {
            $0[path: ["metadata", "annotations"]] = [ServerSideApply.lastAppliedAnnotation: "{}\n"]
            $0[path: ["spec", "strategy"]] = ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"]]
            $0[path: ["spec", "template", "spec", "dnsPolicy"]] = "ClusterFirst"
            $0[path: ["spec", "template", "spec", "securityContext"]] = [:]
            $0[path: F.containers] = [["name": "nginx", "image": "nginx:1.25", "resources": [:], "ports": [["containerPort": 80, "protocol": "TCP"]]]]
        }
    }

    @Test func createOwnsEveryFieldItSet() throws {
        let created = F.update(nil, Self.clientSideCreate(), manager: "kubectl-client-side-apply")
        let entries = F.entries(created)
        #expect(entries.count == 1)
        let expected = try JSON.parse(#"""
            {"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"apps/v1",
             "time":"2024-05-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{
              "f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},
                            "f:labels":{".":{},"f:app":{}}},
              "f:spec":{"f:replicas":{},"f:selector":{},
                "f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},
                "f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},
                  "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},
                      "f:ports":{".":{},"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}},
                      "f:resources":{}}},
                    "f:dnsPolicy":{},"f:securityContext":{}}}}}}
            """#)
        #expect(entries[0] == expected)
        // The object itself is what was sent.
        var plain = created
        plain[path: ["metadata", "managedFields"]] = nil
        #expect(plain == Self.clientSideCreate())
    }

    @Test func updatesTakeTheFieldsTheyChange() throws {
        let live = F.stored(F.update(nil, F.manifest(), manager: "kubectl-client-side-apply"))
        var edited = live
        edited[path: ["spec", "replicas"]] = 4
        edited[path: ["metadata", "labels", "tier"]] = "web"
        let result = F.update(live, edited, manager: "kubectl-edit", now: F.t1)
        #expect(try F.fields(result, manager: "kubectl-edit") == FieldSet([F.p("spec", "replicas"), F.p("metadata", "labels", "tier")]))
        let csa = try F.fields(result, manager: "kubectl-client-side-apply")
        #expect(!csa.contains(F.p("spec", "replicas")))
        #expect(csa.contains(F.p("metadata", "labels", "app")))
        #expect(F.entry(result, manager: "kubectl-client-side-apply")?["time"] == .string(F.t0))
        #expect(F.entry(result, manager: "kubectl-edit")?["time"] == .string(F.t1))
        #expect(F.entries(result).map { $0["manager"]?.string } == ["kubectl-client-side-apply", "kubectl-edit"])

        // A second write by the same manager merges into its entry.
        var again = result
        again[path: F.containers] = [["name": "nginx", "image": "nginx:2"]]
        let merged = F.update(result, again, manager: "kubectl-edit", now: F.t2)
        #expect(F.entries(merged).filter { $0["manager"] == "kubectl-edit" }.count == 1)
        let edit = try F.fields(merged, manager: "kubectl-edit")
        #expect(edit.contains(F.p("spec", "replicas")) && edit.contains(F.container(F.nginx, "image")))
        #expect(F.entry(merged, manager: "kubectl-edit")?["time"] == .string(F.t2))

        // Nothing changed: nothing recorded, not even the time.
        #expect(F.update(merged, merged, manager: "kubectl-edit", now: "2024-06-01T00:00:00Z") == merged)
    }

    @Test func removedFieldsAreOwnedByNobody() throws {
        let live = F.stored(F.update(nil, F.manifest(labels: ["app": "web", "tier": "x"]), manager: "creator"))
        var edited = live
        edited[path: ["metadata", "labels", "tier"]] = nil
        let result = F.update(live, edited, manager: "editor", now: F.t1)
        #expect(!(try F.fields(result, manager: "creator").contains(F.p("metadata", "labels", "tier"))))
        #expect(F.entry(result, manager: "editor") == nil)
    }

    @Test func versionsAndSubresourcesAreSeparateEntries() throws {
        let live = F.stored(F.update(nil, F.manifest(), manager: "m"))
        var changed = live
        changed[path: ["spec", "replicas"]] = 9
        let other = ServerSideApply.recordUpdate(old: live, new: changed, manager: "m", schema: F.deployment,
            apiVersion: "apps/v1beta2", now: F.t1)
        #expect(F.entries(other).map { $0["apiVersion"]?.string } == ["apps/v1", "apps/v1beta2"])

        var status = live
        status[path: ["status"]] = ["replicas": 3]
        status[path: ["spec", "replicas"]] = 100  // the status endpoint does not own spec
        status[path: ["metadata", "managedFields"]] = []  // and ignores managedFields sent to it
        let viaStatus = F.update(live, status, manager: "kube-controller-manager", now: F.t1, subresource: "status")
        let entry = try #require(F.entry(viaStatus, manager: "kube-controller-manager"))
        #expect(entry["subresource"] == "status")
        // status is a struct every Deployment has, so only its field is new.
        #expect(try FieldSet(fieldsV1: entry["fieldsV1"]!) == FieldSet([F.p("status", "replicas")]))
        #expect(try F.fields(viaStatus, manager: "m").contains(F.p("spec", "replicas")))
        #expect(F.entries(viaStatus).count == 2)
    }

    @Test func clientsCanReplaceOrResetManagedFields() throws {
        let live = F.stored(F.update(nil, F.manifest(), manager: "creator"))
        var mine = live
        mine[path: ["metadata", "managedFields"]] = [[
            "manager": "someone", "operation": "Update", "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
            "fieldsV1": ["f:spec": ["f:replicas": [:]]],
        ]]
        let replaced = F.update(live, mine, manager: "editor", now: F.t1)
        #expect(F.entries(replaced).map { $0["manager"]?.string } == ["someone"])

        for reset: JSON in [[], [[:]]] {
            var cleared = live
            cleared[path: ["metadata", "managedFields"]] = reset
            cleared[path: ["spec", "replicas"]] = 8
            let result = F.update(live, cleared, manager: "editor", now: F.t1)
            #expect(result[path: ["metadata", "managedFields"]] == nil)
            // Untracked from then on, until an apply.
            var later = result
            later[path: ["spec", "replicas"]] = 9
            #expect(F.update(result, later, manager: "editor", now: F.t2)[path: ["metadata", "managedFields"]] == nil)
        }

        // Unreadable managedFields in the request fall back to the stored ones.
        var garbage = live
        garbage[path: ["metadata", "managedFields"]] = [["operation": "Nope"]]
        garbage[path: ["spec", "replicas"]] = 4
        let kept = F.update(live, garbage, manager: "editor", now: F.t1)
        #expect(F.entries(kept).map { $0["manager"]?.string } == ["creator", "editor"])
    }

    @Test func aWriteThatCannotBeComparedKeepsTheStoredManagedFields() {
        let live = F.stored(F.update(nil, F.manifest(), manager: "creator"))
        var broken = live
        broken[path: F.containers] = [["image": "no-name"]]
        broken[path: ["metadata", "managedFields"]] = nil
        let result = F.update(live, broken, manager: "editor", now: F.t1)
        #expect(result[path: ["metadata", "managedFields"]] == live[path: ["metadata", "managedFields"]])
        #expect(result[path: F.containers] == [["image": "no-name"]])
    }

    @Test func updateManagersAreCappedAtTen() throws {
        var live = F.stored(F.update(nil, F.manifest(), manager: "m0", now: "2024-05-01T10:00:00Z"))
        for i in 1...10 {
            var next = live
            next[path: ["metadata", "labels", "l\(i)"]] = "v"
            live = F.update(live, next, manager: "m\(i)", now: String(format: "2024-05-01T10:00:%02dZ", i))
        }
        let managers = F.entries(live).compactMap { $0["manager"]?.string }
        #expect(managers.count == 10)
        #expect(!managers.contains("m0") && !managers.contains("m1"))
        #expect(managers.first == "ancient-changes")
        let bucket = try F.fields(live, manager: "ancient-changes")
        #expect(bucket.contains(F.p("spec", "replicas")))  // from m0
        #expect(bucket.contains(F.p("metadata", "labels", "l1")))  // from m1
        #expect(F.entry(live, manager: "ancient-changes")?["time"] == "2024-05-01T10:00:01Z")
    }

    @Test func applyAfterClientSideWritesReportsTheirManagers() throws {
        let live = F.stored(F.update(nil, F.manifest(replicas: 3), manager: "kubectl-client-side-apply"))
        let error = try #require(throws: ApplyConflictError.self) {
            try F.apply(live, F.manifest(replicas: 5), manager: "kubectl")
        }
        #expect(error.message == #"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas"#)
        #expect(error.causes == [[
            "reason": "FieldManagerConflict", "message": #"conflict with "kubectl-client-side-apply" using apps/v1"#,
            "field": ".spec.replicas",
        ]])
        let status = error.apiError
        #expect(status.code == 409)
        #expect(status.reason == "Conflict")
        #expect(status.details == ["causes": error.causes])

        // Same values: the applier shares the fields, no conflict.
        let shared = try F.apply(live, F.manifest(replicas: 3), manager: "kubectl", now: F.t1)
        #expect(try F.fields(shared, manager: "kubectl").contains(F.p("spec", "replicas")))
        #expect(try F.fields(shared, manager: "kubectl-client-side-apply").contains(F.p("spec", "replicas")))
    }

    @Test func severalConflictsAreGroupedByManager() throws {
        var live = F.stored(F.update(nil, F.manifest(), manager: "a"))
        var edited = live
        edited[path: ["metadata", "labels", "team"]] = "x"
        live = F.update(live, edited, manager: "b", now: F.t1)
        var config = F.manifest(replicas: 1, image: "nginx:2", labels: ["app": "web", "team": "y"])
        config[path: ["spec", "selector"]] = ["matchLabels": ["app": "web"]]
        let error = try #require(throws: ApplyConflictError.self) { try F.apply(live, config, manager: "c") }
        #expect(error.message == """
            Apply failed with 3 conflicts: conflicts with "a" using apps/v1:
            - .spec.replicas
            - .spec.template.spec.containers[name="nginx"].image
            conflicts with "b" using apps/v1:
            - .metadata.labels.team
            """)
        #expect(error.causes.array?.count == 3)
        #expect(error.conflicts.map(\.causeMessage) == [
            #"conflict with "a" using apps/v1"#, #"conflict with "a" using apps/v1"#, #"conflict with "b" using apps/v1"#,
        ])

        let forced = try F.apply(live, config, manager: "c", force: true, now: F.t2)
        #expect(forced[path: ["metadata", "labels", "team"]] == "y")
        #expect(F.entry(forced, manager: "b") == nil)  // its only field was taken
        let a = try F.fields(forced, manager: "a")
        #expect(!a.contains(F.p("spec", "replicas")) && a.contains(F.p("metadata", "labels", "app")))
    }

    @Test func subresourceManagersArePrintedWithIt() throws {
        let live = F.stored(F.update(nil, F.manifest(), manager: "a"))
        var status = live
        status[path: ["status"]] = ["replicas": 1]
        let withStatus = F.update(live, status, manager: "ctl", now: F.t1, subresource: "status")
        let config: JSON = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"], "status": ["replicas": 2]]
        let error = try #require(throws: ApplyConflictError.self) {
            try F.apply(withStatus, config, manager: "other", subresource: "status")
        }
        #expect(error.message == #"Apply failed with 1 conflict: conflict with "ctl" with subresource "status" using apps/v1: .status.replicas"#)
    }

    @Test func kubectlTakesOverFieldsItAppliedClientSide() throws {
        // Client-side apply recorded the config in the annotation; the server-side apply by "kubectl"
        // that follows may change those fields without --force-conflicts.
        var manifest = F.manifest(replicas: 3)
        let annotation = GoText.json(manifest) + "\n"
        manifest[path: ["metadata", "annotations"]] = [ServerSideApply.lastAppliedAnnotation: .string(annotation)]
        let live = F.stored(F.update(nil, manifest, manager: "kubectl-client-side-apply"))

        let next = F.manifest(replicas: 5)
        let upgraded = try F.apply(live, next, manager: "kubectl", now: F.t1)
        #expect(upgraded[path: ["spec", "replicas"]] == 5)
        #expect(try F.fields(upgraded, manager: "kubectl").contains(F.p("spec", "replicas")))
        #expect(!(try F.fields(upgraded, manager: "kubectl-client-side-apply").contains(F.p("spec", "replicas"))))
        // The annotation follows the new config, so a later client-side apply diffs against it.
        #expect(upgraded[path: ["metadata", "annotations", ServerSideApply.lastAppliedAnnotation]] == .string(GoText.json(next) + "\n"))

        // Another manager gets the conflict.
        #expect(throws: ApplyConflictError.self) { try F.apply(live, next, manager: "helm") }

        // A field changed since (by kubectl edit) is no longer kubectl's to take.
        var edited = live
        edited[path: ["spec", "replicas"]] = 4
        let afterEdit = F.update(live, edited, manager: "kubectl-edit", now: F.t1)
        let error = try #require(throws: ApplyConflictError.self) { try F.apply(afterEdit, next, manager: "kubectl", now: F.t2) }
        #expect(error.message == #"Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas"#)
    }

    @Test func applyToAnUntrackedObjectConflictsWithWhatWasThere() throws {
        let untracked = F.stored(F.manifest(replicas: 2))
        let error = try #require(throws: ApplyConflictError.self) { try F.apply(untracked, F.manifest(replicas: 4), manager: "m") }
        #expect(error.message == #"Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas"#)
        let applied = try F.apply(untracked, F.manifest(replicas: 2), manager: "m", now: F.t1)
        #expect(F.entries(applied).map { $0["manager"]?.string } == ["m", "before-first-apply"])
    }
}
