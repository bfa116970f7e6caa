import APIMachinery
import Testing
@testable import Registry

@Suite struct DeploymentStrategyTests {
    let s = DeploymentStrategy(info: (try? resource("deployments", group: "apps")) ?? Catalog.resources[0])

    func deployment(_ spec: String) throws -> JSON {
        try json(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"nginx","namespace":"default","labels":{"app":"nginx"}},"spec":\#(spec)}"#)
    }

    let nginxSpec = #"{"selector":{"matchLabels":{"app":"nginx"}},"template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":[{"name":"nginx","image":"nginx"}]}}}"#

    /// `kubectl create deployment nginx --image=nginx` as a v1.32 server stores it.
    @Test func minimalDeploymentGetsUpstreamDefaults() throws {
        let out = created(try deployment(nginxSpec), s)
        let expected = try json(#"""
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"nginx","namespace":"default","labels":{"app":"nginx"},"generation":1},
         "spec":{"progressDeadlineSeconds":600,"replicas":1,"revisionHistoryLimit":10,
                 "selector":{"matchLabels":{"app":"nginx"}},
                 "strategy":{"rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"},"type":"RollingUpdate"},
                 "template":{"metadata":{"creationTimestamp":null,"labels":{"app":"nginx"}},
                   "spec":{"containers":[{"image":"nginx","imagePullPolicy":"Always","name":"nginx","resources":{},
                            "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],
                           "dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler",
                           "securityContext":{},"terminationGracePeriodSeconds":30}}},
         "status":{}}
        """#)
        #expect(out == expected)
        #expect(s.validate(out).isEmpty)
    }

    @Test func recreateGetsNoRollingUpdate() throws {
        var d = try deployment(#"{"strategy":{"type":"Recreate"},"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}"#)
        s.applyDefaults(&d)
        #expect(d[path: ["spec", "strategy"]] == ["type": "Recreate"])
        #expect(s.validate(d).isEmpty)
        d[path: ["spec", "strategy", "rollingUpdate"]] = ["maxSurge": 1]
        #expect(messages(s.validate(d)) == ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"])
    }

    @Test func selectorMustMatchTemplate() throws {
        let d = created(try deployment(#"{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}"#), s)
        #expect(messages(s.validate(d)) == ["spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"nginx\"}: `selector` does not match template `labels`"])
    }

    @Test func missingSelector() throws {
        let d = created(try deployment(#"{"template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}"#), s)
        #expect(messages(s.validate(d)) == [
            "spec.selector: Required value",
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"nginx\"}: `selector` does not match template `labels`",
        ])
    }

    @Test func emptyAndMalformedSelectors() throws {
        let empty = created(try deployment(#"{"selector":{},"template":{"spec":{"containers":[{"name":"c","image":"x"}]}}}"#), s)
        #expect(messages(s.validate(empty)) == ["spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"])
        let bad = created(try deployment(#"{"selector":{"matchExpressions":[{"key":"a","operator":"Near","values":["x"]}]},"template":{"metadata":{"labels":{"a":"x"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}"#), s)
        #expect(messages(s.validate(bad)) == [
            "spec.selector.matchExpressions[0].operator: Invalid value: \"Near\": not a valid selector operator",
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:\"a\", Operator:\"Near\", Values:[]string{\"x\"}}}}: invalid label selector",
        ])
    }

    @Test func specRules() throws {
        var d = created(try deployment(nginxSpec), s)
        d[path: ["spec", "replicas"]] = -1
        d[path: ["spec", "template", "spec", "restartPolicy"]] = "Never"
        d[path: ["spec", "strategy", "rollingUpdate"]] = ["maxSurge": 0, "maxUnavailable": "150%"]
        d[path: ["spec", "minReadySeconds"]] = 700
        d[path: ["spec", "template", "metadata", "labels", "bad key"]] = "x"
        #expect(messages(s.validate(d)) == [
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            "spec.template.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 150%: must not be greater than 100%",
            "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds",
        ])
        d[path: ["spec", "strategy"]] = ["type": "Canary"]
        #expect(s.validate(d).contains { $0.message == "spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:\"Canary\", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: \"Recreate\", \"RollingUpdate\"" })
    }

    @Test func bothZeroSurgeAndUnavailable() throws {
        var d = created(try deployment(nginxSpec), s)
        d[path: ["spec", "strategy", "rollingUpdate"]] = ["maxSurge": "0%", "maxUnavailable": 0]
        #expect(messages(s.validate(d)) == ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"])
        d[path: ["spec", "strategy", "rollingUpdate"]] = ["maxSurge": "abc", "maxUnavailable": 1]
        #expect(messages(s.validate(d)) == ["spec.strategy.rollingUpdate.maxSurge: Invalid value: abc: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"])
    }

    @Test func generationFollowsSpecAndAnnotations() throws {
        let old = created(try deployment(nginxSpec), s)
        var scaled = old
        scaled[path: ["spec", "replicas"]] = 3
        s.prepareForUpdate(&scaled, old: old)
        #expect(scaled[path: ["metadata", "generation"]] == 2)
        var relabelled = old
        relabelled[path: ["metadata", "labels", "tier"]] = "web"
        s.prepareForUpdate(&relabelled, old: old)
        #expect(relabelled[path: ["metadata", "generation"]] == 1)
        var annotated = old
        annotated[path: ["metadata", "annotations", "kubernetes.io/change-cause"]] = "x"
        s.prepareForUpdate(&annotated, old: old)
        #expect(annotated[path: ["metadata", "generation"]] == 2)
    }

    @Test func updateKeepsStatusAndSelector() throws {
        var old = created(try deployment(nginxSpec), s)
        old["status"] = ["replicas": 1, "observedGeneration": 1]
        var new = old
        new["status"] = ["replicas": 99]
        new[path: ["spec", "selector"]] = try json(#"{"matchLabels":{"app":"nginx2"}}"#)
        new[path: ["spec", "template", "metadata", "labels"]] = try json(#"{"app":"nginx2"}"#)
        s.prepareForUpdate(&new, old: old)
        #expect(new["status"] == old["status"])
        #expect(messages(s.validateUpdate(new, old: old)) == [
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"nginx2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable",
        ])
    }

    @Test func statusUpdateKeepsSpecAndLabels() throws {
        let old = created(try deployment(nginxSpec), s)
        var new = old
        new[path: ["spec", "replicas"]] = 5
        new[path: ["metadata", "labels"]] = ["hacked": "yes"]
        new[path: ["metadata", "annotations"]] = ["note": "kept"]
        new["status"] = ["replicas": 1, "readyReplicas": 1, "availableReplicas": 1]
        s.prepareForStatusUpdate(&new, old: old)
        #expect(new["spec"] == old["spec"])
        #expect(new[path: ["metadata", "labels"]] == old[path: ["metadata", "labels"]])
        #expect(new[path: ["metadata", "annotations", "note"]] == "kept")
        #expect(s.validateStatusUpdate(new, old: old).isEmpty)
        new["status"] = ["replicas": 1, "readyReplicas": 2, "availableReplicas": 3]
        #expect(messages(s.validateStatusUpdate(new, old: old)) == [
            "status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas",
            "status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas",
            "status.availableReplicas: Invalid value: 3: cannot be greater than readyReplicas",
        ])
    }

    @Test func onlyMetadataSelectable() throws {
        let d = created(try deployment(nginxSpec), s)
        #expect(s.selectableFields(d) == ["metadata.name": "nginx", "metadata.namespace": "default"])
    }
}

@Suite struct ReplicaSetStrategyTests {
    let s = ReplicaSetStrategy(info: (try? resource("replicasets", group: "apps")) ?? Catalog.resources[0])

    func rs(_ spec: String) throws -> JSON {
        try json(#"{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-7d9f","namespace":"default"},"spec":\#(spec)}"#)
    }

    @Test func defaultsAndCreate() throws {
        let out = created(try rs(#"{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}"#), s)
        #expect(out[path: ["spec", "replicas"]] == 1)
        #expect(out["status"] == ["replicas": 0])
        #expect(out[path: ["metadata", "generation"]] == 1)
        #expect(out[path: ["spec", "template", "metadata", "creationTimestamp"]] == .null)
        #expect(out[path: ["spec", "template", "spec", "containers"]]?[0]?["imagePullPolicy"] == "IfNotPresent")
        #expect(out[path: ["spec", "template", "spec", "enableServiceLinks"]] == nil)
        #expect(s.validate(out).isEmpty)
    }

    @Test func validation() throws {
        let out = created(try rs(#"{"replicas":-2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"db"}},"spec":{"activeDeadlineSeconds":5,"containers":[{"name":"web"}]}}}"#), s)
        #expect(messages(s.validate(out)) == [
            "spec.replicas: Invalid value: -2: must be greater than or equal to 0",
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"db\"}: `selector` does not match template `labels`",
            "spec.template.spec.containers[0].image: Required value",
            "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported",
        ])
    }

    @Test func generationAndSelectorOnUpdate() throws {
        let old = created(try rs(#"{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}"#), s)
        var new = old
        new[path: ["metadata", "annotations"]] = ["a": "b"]
        s.prepareForUpdate(&new, old: old)
        #expect(new[path: ["metadata", "generation"]] == 1)
        new[path: ["spec", "replicas"]] = 0
        s.prepareForUpdate(&new, old: old)
        #expect(new[path: ["metadata", "generation"]] == 2)
        #expect(s.validateUpdate(new, old: old).isEmpty)
        new[path: ["spec", "selector", "matchLabels", "tier"]] = "x"
        new[path: ["spec", "template", "metadata", "labels", "tier"]] = "x"
        #expect(s.validateUpdate(new, old: old).map(\.field) == ["spec.selector"])
    }

    @Test func statusReplicasSelectable() throws {
        var out = created(try rs(#"{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}"#), s)
        #expect(s.selectableFields(out)["status.replicas"] == "0")
        out[path: ["status", "replicas"]] = 3
        #expect(s.selectableFields(out) == ["metadata.name": "web-7d9f", "metadata.namespace": "default", "status.replicas": "3"])
    }

    @Test func statusCounters() throws {
        let old = created(try rs(#"{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}"#), s)
        var new = old
        new["status"] = ["replicas": 2, "fullyLabeledReplicas": 3, "observedGeneration": -1]
        #expect(messages(s.validateStatusUpdate(new, old: old)) == [
            "status.observedGeneration: Invalid value: -1: must be greater than or equal to 0",
            "status.fullyLabeledReplicas: Invalid value: 3: cannot be greater than status.replicas",
        ])
    }
}
