import Foundation
import APIMachinery
import Testing
@testable import Registry

@Suite struct NamespaceStrategyTests {
    let s = NamespaceStrategy(info: (try? resource("namespaces")) ?? Catalog.resources[0])

    @Test func createdNamespaceLooksLikeUpstreams() throws {
        let out = created(try json(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"}}"#), s)
        #expect(out == (try json(#"""
        {"apiVersion":"v1","kind":"Namespace",
         "metadata":{"name":"team-a","labels":{"kubernetes.io/metadata.name":"team-a"}},
         "spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}
        """#)))
        #expect(s.validate(out).isEmpty)
        #expect(s.selectableFields(out) == ["metadata.name": "team-a", "status.phase": "Active"])
    }

    @Test func generatedNamesGetTheLabelOnCreate() throws {
        var ns = try json(#"{"metadata":{"generateName":"tmp-"}}"#)
        s.applyDefaults(&ns)
        #expect(ns[path: ["metadata", "labels"]] == nil)
        ns[path: ["metadata", "name"]] = "tmp-x2f9q"
        s.prepareForCreate(&ns)
        #expect(ns[path: ["metadata", "labels", "kubernetes.io/metadata.name"]] == "tmp-x2f9q")
    }

    @Test func labelCannotBeOverridden() throws {
        var ns = try json(#"{"metadata":{"name":"a","labels":{"kubernetes.io/metadata.name":"b","team":"x"}}}"#)
        s.applyDefaults(&ns)
        #expect(ns[path: ["metadata", "labels"]] == ["kubernetes.io/metadata.name": "a", "team": "x"])
    }

    @Test func updateKeepsFinalizersAndStatus() throws {
        let old = created(try json(#"{"metadata":{"name":"a"},"spec":{"finalizers":["example.com/x"]}}"#), s)
        #expect(old[path: ["spec", "finalizers"]] == ["example.com/x", "kubernetes"])
        var new = old
        new[path: ["spec", "finalizers"]] = []
        new["status"] = ["phase": "Terminating"]
        s.applyDefaults(&new)
        s.prepareForUpdate(&new, old: old)
        #expect(new["spec"] == old["spec"])
        #expect(new["status"] == old["status"])
    }

    @Test func finalizerNames() throws {
        let out = created(try json(#"{"metadata":{"name":"a"},"spec":{"finalizers":["bogus"]}}"#), s)
        #expect(messages(s.validate(out)) == ["spec.finalizers: Invalid value: \"bogus\": name is neither a standard finalizer name nor is it fully qualified"])
        var fin = out
        fin[path: ["spec", "finalizers"]] = []
        s.prepareForFinalize(&fin, old: out)
        #expect(fin[path: ["spec", "finalizers"]] == [])
        #expect(fin["status"] == out["status"])
    }

    @Test func phaseFollowsDeletion() throws {
        let old = created(try json(#"{"metadata":{"name":"a"}}"#), s)
        var new = old
        new[path: ["status", "phase"]] = "Terminating"
        #expect(messages(s.validateStatusUpdate(new, old: old)) == ["status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty"])
        new[path: ["metadata", "deletionTimestamp"]] = "2024-01-01T00:00:00Z"
        #expect(s.validateStatusUpdate(new, old: old).isEmpty)
    }

    @Test func namespaceNamesAreLabels() throws {
        let info = try resource("namespaces")
        let errs = validateObjectMeta(try json(#"{"name":"team.a"}"#), for: info)
        #expect(messages(errs) == ["metadata.name: Invalid value: \"team.a\": must not contain dots"])
    }
}

@Suite struct NodeStrategyTests {
    let s = NodeStrategy(info: (try? resource("nodes")) ?? Catalog.resources[0])

    @Test func kubeletRegistrationKeepsStatus() throws {
        let out = created(try json(#"""
        {"metadata":{"name":"worker-1"},"spec":{"podCIDR":"10.244.1.0/24"},
         "status":{"capacity":{"cpu":"2","memory":"4026732Ki","pods":"110"},"addresses":[{"type":"InternalIP","address":"172.18.0.2"}]}}
        """#), s)
        #expect(out[path: ["status", "allocatable"]] == out[path: ["status", "capacity"]])
        #expect(out[path: ["status", "addresses"]]?[0]?["address"] == "172.18.0.2")
        #expect(out[path: ["spec", "podCIDRs"]] == ["10.244.1.0/24"])
        #expect(out[path: ["status", "daemonEndpoints"]] == (try json(#"{"kubeletEndpoint":{"Port":0}}"#)))
        #expect(out[path: ["status", "nodeInfo", "kubeletVersion"]] == "")
        #expect(s.validate(out).isEmpty)
    }

    @Test func specUpdateKeepsStatusAndSelectsUnschedulable() throws {
        let old = created(try json(#"{"metadata":{"name":"n"},"status":{"capacity":{"cpu":"2"}}}"#), s)
        var new = old
        new[path: ["spec", "unschedulable"]] = true
        new["status"] = [:]
        s.prepareForUpdate(&new, old: old)
        #expect(new["status"] == old["status"])
        #expect(s.validateUpdate(new, old: old).isEmpty)
        #expect(s.selectableFields(new) == ["metadata.name": "n", "spec.unschedulable": "true"])
        #expect(s.selectableFields(old)["spec.unschedulable"] == "false")
    }

    @Test func taintsAreValidatedUnderMetadata() throws {
        let out = created(try json(#"{"metadata":{"name":"n"},"spec":{"taints":[{"key":"k","effect":"Sometimes"},{"key":"dedicated","value":"gpu","effect":"NoSchedule"},{"key":"dedicated","value":"cpu","effect":"NoSchedule"}]}}"#), s)
        #expect(messages(s.validate(out)) == [
            "metadata.taints[0].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
            "metadata.taints[2]: Duplicate value: core.Taint{Key:\"dedicated\", Value:\"cpu\", Effect:\"NoSchedule\", TimeAdded:<nil>}: taints must be unique by key and effect pair",
        ])
    }

    @Test func podCIDRsAreFixedOnceSet() throws {
        let old = created(try json(#"{"metadata":{"name":"n"},"spec":{"podCIDRs":["10.244.0.0/24"],"providerID":"kind://n"}}"#), s)
        var new = old
        new[path: ["spec", "podCIDRs"]] = ["10.244.9.0/24"]
        new[path: ["spec", "podCIDR"]] = "10.244.9.0/24"
        new[path: ["spec", "providerID"]] = "other"
        #expect(messages(s.validateUpdate(new, old: old)) == [
            "spec.podCIDRs: Forbidden: node updates may not change podCIDR except from \"\" to valid",
            "spec.providerID: Forbidden: node updates may not change providerID except from \"\" to valid",
        ])
        let bad = created(try json(#"{"metadata":{"name":"n"},"spec":{"podCIDRs":["10.0.0.0/33"]},"status":{"capacity":{"cpu":"-1"}}}"#), s)
        #expect(messages(s.validate(bad)) == [
            "status.capacity.cpu: Invalid value: \"-1\": must be greater than or equal to 0",
            "status.allocatable.cpu: Invalid value: \"-1\": must be greater than or equal to 0",
            "spec.podCIDRs[0]: Invalid value: \"10.0.0.0/33\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
        ])
    }
}

@Suite struct ConfigDataStrategyTests {
    let cm = ConfigMapStrategy(info: (try? resource("configmaps")) ?? Catalog.resources[0])
    let secret = SecretStrategy(info: (try? resource("secrets")) ?? Catalog.resources[0])

    @Test func configMapKeys() throws {
        let out = created(try json(#"{"metadata":{"name":"c","namespace":"d"},"data":{"app.properties":"x=1","bad key":"v","dup":"a"},"binaryData":{"dup":"AAE="}}"#), cm)
        #expect(messages(cm.validate(out)) == [
            "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
            "data[dup]: Invalid value: \"dup\": duplicate of key present in binaryData",
        ])
    }

    @Test func configMapSizeLimit() throws {
        var out = try json(#"{"metadata":{"name":"c","namespace":"d"}}"#)
        out["data"] = ["a": .string(String(repeating: "x", count: 1024 * 1024))]
        #expect(cm.validate(out).isEmpty)
        out["data"] = ["a": .string(String(repeating: "x", count: 1024 * 1024)), "b": "y"]
        #expect(messages(cm.validate(out)) == ["[]: Too long: may not be more than 1048576 bytes"])
    }

    @Test func immutableConfigMaps() throws {
        let old = try json(#"{"metadata":{"name":"c","namespace":"d"},"data":{"a":"1"},"immutable":true}"#)
        var new = old
        new["data"] = ["a": "2"]
        new["immutable"] = false
        #expect(messages(cm.validateUpdate(new, old: old)) == [
            "immutable: Forbidden: field is immutable when `immutable` is set",
            "data: Forbidden: field is immutable when `immutable` is set",
        ])
        var mutable = old
        mutable["immutable"] = nil
        var changed = mutable
        changed["data"] = ["a": "2"]
        #expect(cm.validateUpdate(changed, old: mutable).isEmpty)
    }

    @Test func secretDefaultsAndStringData() throws {
        let out = created(try json(#"{"metadata":{"name":"s","namespace":"d"},"data":{"a":"b2xk"},"stringData":{"a":"new","b":"two"}}"#), secret)
        #expect(out == (try json(#"{"metadata":{"name":"s","namespace":"d"},"type":"Opaque","data":{"a":"bmV3","b":"dHdv"}}"#)))
        #expect(secret.validate(out).isEmpty)
        #expect(secret.selectableFields(out) == ["metadata.name": "s", "metadata.namespace": "d", "type": "Opaque"])
    }

    @Test func secretTypesRequireTheirKeys() throws {
        let tls = created(try json(#"{"metadata":{"name":"s","namespace":"d"},"type":"kubernetes.io/tls","data":{"tls.crt":"eA=="}}"#), secret)
        #expect(messages(secret.validate(tls)) == ["data[tls.key]: Required value"])
        let sa = created(try json(#"{"metadata":{"name":"s","namespace":"d"},"type":"kubernetes.io/service-account-token"}"#), secret)
        #expect(messages(secret.validate(sa)) == ["metadata.annotations[kubernetes.io/service-account.name]: Required value"])
        let docker = created(try json(#"{"metadata":{"name":"s","namespace":"d"},"type":"kubernetes.io/dockerconfigjson","data":{".dockerconfigjson":"eyJhdXRocyI6e319"}}"#), secret)
        #expect(secret.validate(docker).isEmpty)
    }

    @Test func secretSizeCountsDecodedBytes() throws {
        var s = try json(#"{"metadata":{"name":"s","namespace":"d"},"type":"Opaque"}"#)
        let mib = [UInt8](repeating: 0x41, count: 1024 * 1024)
        s["data"] = ["a": .string(Data(mib).base64EncodedString())]
        #expect(secret.validate(s).isEmpty)
        s["data"] = ["a": .string(Data(mib + [0x41]).base64EncodedString())]
        #expect(messages(secret.validate(s)) == ["data: Too long: may not be more than 1048576 bytes"])
    }

    @Test func secretTypeIsImmutable() throws {
        let old = created(try json(#"{"metadata":{"name":"s","namespace":"d"}}"#), secret)
        var new = old
        new["type"] = "kubernetes.io/basic-auth"
        new["data"] = ["username": "dQ=="]
        #expect(messages(secret.validateUpdate(new, old: old)) == ["type: Invalid value: \"kubernetes.io/basic-auth\": field is immutable"])
    }
}

@Suite struct EventStrategyTests {
    let s = EventStrategy(info: (try? resource("events")) ?? Catalog.resources[0])

    let scheduled = #"""
    {"apiVersion":"v1","kind":"Event","metadata":{"name":"nginx.17a8","namespace":"default"},
     "involvedObject":{"kind":"Pod","namespace":"default","name":"nginx","uid":"u-1","apiVersion":"v1","resourceVersion":"42","fieldPath":"spec.containers{nginx}"},
     "reason":"Scheduled","message":"Successfully assigned default/nginx to worker","type":"Normal","count":1,
     "source":{"component":"default-scheduler"},"firstTimestamp":"2024-05-01T10:00:00Z","lastTimestamp":"2024-05-01T10:00:00Z"}
    """#

    @Test func legacyEventsValidateAndSelect() throws {
        let out = created(try json(scheduled), s)
        #expect(out["eventTime"] == .null)
        #expect(out["reportingComponent"] == "")
        #expect(out["reportingInstance"] == "")
        #expect(s.validate(out).isEmpty)
        #expect(s.selectableFields(out) == [
            "metadata.name": "nginx.17a8", "metadata.namespace": "default",
            "involvedObject.kind": "Pod", "involvedObject.namespace": "default", "involvedObject.name": "nginx",
            "involvedObject.uid": "u-1", "involvedObject.apiVersion": "v1", "involvedObject.resourceVersion": "42",
            "involvedObject.fieldPath": "spec.containers{nginx}", "reason": "Scheduled",
            "reportingComponent": "", "source": "default-scheduler", "type": "Normal",
        ])
    }

    @Test func involvedObjectNamespaceMustMatch() throws {
        var out = created(try json(scheduled), s)
        out[path: ["involvedObject", "namespace"]] = "other"
        #expect(messages(s.validate(out)) == ["involvedObject.namespace: Invalid value: \"other\": does not match event.namespace"])
        // cluster-scoped objects' events may live in "default"
        out[path: ["involvedObject", "namespace"]] = nil
        #expect(s.validate(out).isEmpty)
    }

    @Test func newStyleEventsNeedReportingFields() throws {
        var out = created(try json(scheduled), s)
        out["eventTime"] = "2024-05-01T10:00:00.000000Z"
        out["reason"] = nil
        #expect(messages(s.validate(out)) == [
            "reportingController: Required value",
            "reportingController: Invalid value: \"\": name part must be non-empty",
            "reportingController: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            "reportingInstance: Required value",
            "action: Required value",
            "reason: Required value",
        ])
    }

    @Test func sourceFallsBackToReportingController() throws {
        var out = created(try json(scheduled), s)
        out["source"] = [:]
        out["reportingComponent"] = "kubelet"
        #expect(s.selectableFields(out)["source"] == "kubelet")
    }
}

@Suite struct NetworkingStrategyTests {
    let endpoints = EndpointsStrategy(info: (try? resource("endpoints")) ?? Catalog.resources[0])
    let slices = EndpointSliceStrategy(info: (try? resource("endpointslices", group: "discovery.k8s.io")) ?? Catalog.resources[0])

    @Test func endpointsDefaultsAndValidation() throws {
        let ok = created(try json(#"{"metadata":{"name":"web","namespace":"d"},"subsets":[{"addresses":[{"ip":"10.244.1.5","nodeName":"worker"}],"ports":[{"port":80}]}]}"#), endpoints)
        #expect(ok[path: ["subsets"]]?[0]?["ports"]?[0]?["protocol"] == "TCP")
        #expect(endpoints.validate(ok).isEmpty)
        let bad = created(try json(#"{"metadata":{"name":"web","namespace":"d"},"subsets":[{"ports":[{"port":80},{"port":81,"name":"b"}]},{"addresses":[{"ip":"127.0.0.1"},{"ip":"nope"}]}]}"#), endpoints)
        #expect(messages(endpoints.validate(bad)) == [
            "subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`",
            "subsets[0].ports[0].name: Required value",
            "subsets[1].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
            "subsets[1].addresses[1].ip: Invalid value: \"nope\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            "subsets[1].addresses[1].ip: Invalid value: \"nope\": must be a valid IP address",
        ])
    }

    @Test func endpointSliceDefaults() throws {
        let out = created(try json(#"{"metadata":{"name":"web-abc","namespace":"d"},"addressType":"IPv4","ports":[{"port":80}]}"#), slices)
        #expect(out == (try json(#"{"metadata":{"name":"web-abc","namespace":"d","generation":1},"addressType":"IPv4","endpoints":null,"ports":[{"name":"","port":80,"protocol":"TCP"}]}"#)))
        #expect(slices.validate(out).isEmpty)
    }

    @Test func endpointSliceValidation() throws {
        let none = created(try json(#"{"metadata":{"name":"s","namespace":"d"}}"#), slices)
        #expect(messages(slices.validate(none)) == ["addressType: Required value"])
        let bad = created(try json(#"{"metadata":{"name":"s","namespace":"d"},"addressType":"IPv4","endpoints":[{"addresses":[]},{"addresses":["fd00::1","10.0.0.1"]}],"ports":[{"name":"http","port":80},{"name":"http","port":81}]}"#), slices)
        #expect(messages(slices.validate(bad)) == [
            "endpoints[0].addresses: Required value: must contain at least 1 address",
            "endpoints[1].addresses[0]: Invalid value: \"fd00::1\": must be a valid IPv4 address",
            "ports[1].name: Duplicate value: \"http\"",
        ])
        var typed = none
        typed["addressType"] = "IP"
        #expect(messages(slices.validate(typed)) == ["addressType: Unsupported value: \"IP\": supported values: \"FQDN\", \"IPv4\", \"IPv6\""])
    }

    @Test func endpointSliceUpdates() throws {
        let old = created(try json(#"{"metadata":{"name":"s","namespace":"d"},"addressType":"IPv4","endpoints":[{"addresses":["10.0.0.1"]}]}"#), slices)
        var new = old
        new[path: ["metadata", "annotations"]] = ["a": "b"]
        slices.prepareForUpdate(&new, old: old)
        #expect(new[path: ["metadata", "generation"]] == 1)
        new["endpoints"] = try json(#"[{"addresses":["10.0.0.2"],"conditions":{}}]"#)
        slices.prepareForUpdate(&new, old: old)
        #expect(new[path: ["metadata", "generation"]] == 2)
        new["addressType"] = "IPv6"
        #expect(slices.validateUpdate(new, old: old).contains { $0.message == "addressType: Invalid value: \"IPv6\": field is immutable" })
    }
}

@Suite struct SmallStrategyTests {
    @Test func leases() throws {
        let s = LeaseStrategy(info: try resource("leases", group: "coordination.k8s.io"))
        let out = created(try json(#"{"metadata":{"name":"worker-1","namespace":"kube-node-lease"}}"#), s)
        #expect(out["spec"] == [:])
        #expect(s.validate(out).isEmpty)
        var bad = out
        bad["spec"] = ["leaseDurationSeconds": 0, "leaseTransitions": -1, "holderIdentity": "w"]
        #expect(messages(s.validate(bad)) == [
            "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
            "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0",
        ])
    }

    @Test func serviceAccountsHaveNoSpecRules() throws {
        let s = strategy(for: try resource("serviceaccounts"))
        let out = created(try json(#"{"metadata":{"name":"builder","namespace":"d"},"secrets":[{"name":"x"}]}"#), s)
        #expect(s.validate(out).isEmpty)
        #expect(s.selectableFields(out) == ["metadata.name": "builder", "metadata.namespace": "d"])
    }

    @Test func everyServedResourceHasItsStrategy() throws {
        let expected: [String: String] = [
            "/namespaces": "NamespaceStrategy", "/pods": "PodStrategy", "/bindings": "GenericStrategy", "/nodes": "NodeStrategy",
            "/services": "ServiceStrategy", "/endpoints": "EndpointsStrategy", "/configmaps": "ConfigMapStrategy",
            "/secrets": "SecretStrategy", "/events": "EventStrategy", "/serviceaccounts": "ServiceAccountStrategy",
            "apps/deployments": "DeploymentStrategy", "apps/replicasets": "ReplicaSetStrategy",
            "discovery.k8s.io/endpointslices": "EndpointSliceStrategy", "coordination.k8s.io/leases": "LeaseStrategy",
            "/persistentvolumeclaims": "PersistentVolumeClaimStrategy", "/persistentvolumes": "PersistentVolumeStrategy",
            "/replicationcontrollers": "ReplicationControllerStrategy", "/podtemplates": "PodTemplateStrategy",
            "/limitranges": "LimitRangeStrategy", "apps/statefulsets": "StatefulSetStrategy", "apps/daemonsets": "DaemonSetStrategy",
            "apps/controllerrevisions": "ControllerRevisionStrategy", "batch/jobs": "JobStrategy", "batch/cronjobs": "CronJobStrategy",
            "autoscaling/horizontalpodautoscalers": "HorizontalPodAutoscalerStrategy",
            "policy/poddisruptionbudgets": "PodDisruptionBudgetStrategy", "scheduling.k8s.io/priorityclasses": "PriorityClassStrategy",
            "networking.k8s.io/ingresses": "IngressStrategy", "networking.k8s.io/ingressclasses": "IngressClassStrategy",
            "networking.k8s.io/networkpolicies": "NetworkPolicyStrategy",
            "rbac.authorization.k8s.io/roles": "RoleStrategy", "rbac.authorization.k8s.io/clusterroles": "RoleStrategy",
            "rbac.authorization.k8s.io/rolebindings": "RoleBindingStrategy", "rbac.authorization.k8s.io/clusterrolebindings": "RoleBindingStrategy",
            "storage.k8s.io/storageclasses": "StorageClassStrategy", "storage.k8s.io/csidrivers": "CSIDriverStrategy",
            "storage.k8s.io/volumeattachments": "VolumeAttachmentStrategy", "node.k8s.io/runtimeclasses": "RuntimeClassStrategy",
            "apiextensions.k8s.io/customresourcedefinitions": "CustomResourceDefinitionStrategy",
            "admissionregistration.k8s.io/mutatingwebhookconfigurations": "WebhookConfigurationStrategy",
            "admissionregistration.k8s.io/validatingwebhookconfigurations": "WebhookConfigurationStrategy",
        ]
        for info in Catalog.resources {
            let st = strategy(for: info)
            #expect(String(describing: type(of: st)) == expected["\(info.group)/\(info.resource)"] ?? "GenericStrategy", "\(info.resource)")
            #expect(st.info == info)
        }
    }

    @Test func statusValidationOnlyWhereUpstreamHasIt() throws {
        #expect(strategy(for: try resource("pods")) is StatusValidatingStrategy)
        #expect(strategy(for: try resource("deployments", group: "apps")) is StatusValidatingStrategy)
        #expect(!(strategy(for: try resource("configmaps")) is StatusValidatingStrategy))
    }
}
