import APIMachinery
import Testing
@testable import Registry

@Suite struct PodStrategyTests {
    let s = PodStrategy(info: (try? resource("pods")) ?? Catalog.resources[0])

    func pod(_ spec: String, meta: String = #"{"name":"nginx","namespace":"default"}"#) throws -> JSON {
        try json(#"{"apiVersion":"v1","kind":"Pod","metadata":\#(meta),"spec":\#(spec)}"#)
    }

    /// What `kubectl run nginx --image=nginx` stores on a v1.32 cluster, less the service-account
    /// admission's token volume and the server's metadata.
    @Test func minimalNginxPodGetsUpstreamDefaults() throws {
        let out = created(try pod(#"{"containers":[{"name":"nginx","image":"nginx"}]}"#), s)
        let expected = try json(#"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"nginx","namespace":"default"},
         "spec":{"containers":[{"image":"nginx","imagePullPolicy":"Always","name":"nginx","resources":{},
                  "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],
                 "dnsPolicy":"ClusterFirst","enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority",
                 "priority":0,"restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},
                 "terminationGracePeriodSeconds":30,
                 "tolerations":[{"effect":"NoExecute","key":"node.kubernetes.io/not-ready","operator":"Exists","tolerationSeconds":300},
                                {"effect":"NoExecute","key":"node.kubernetes.io/unreachable","operator":"Exists","tolerationSeconds":300}]},
         "status":{"phase":"Pending","qosClass":"BestEffort"}}
        """#)
        #expect(out == expected)
        #expect(s.validate(out).isEmpty)
    }

    @Test func defaultingIsIdempotent() throws {
        let once = created(try pod(#"{"containers":[{"name":"c","image":"busybox:1.35","ports":[{"containerPort":80}]}]}"#), s)
        var twice = once
        s.applyDefaults(&twice)
        #expect(twice == once)
    }

    @Test(arguments: [
        ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.27", "IfNotPresent"),
        ("registry.k8s.io/pause:3.10", "IfNotPresent"), ("localhost:5000/app", "Always"),
        ("localhost:5000/app:v2", "IfNotPresent"),
        ("nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "IfNotPresent"),
        ("Nginx", "IfNotPresent"), ("", "IfNotPresent"),
    ])
    func pullPolicyFollowsTag(_ image: String, _ policy: String) throws {
        var p = try pod(#"{"containers":[{"name":"c","image":"\#(image)"}]}"#)
        s.applyDefaults(&p)
        #expect(p[path: ["spec", "containers"]]?[0]?["imagePullPolicy"] == .string(policy))
    }

    @Test func explicitValuesAreKept() throws {
        var p = try pod(#"{"restartPolicy":"Never","dnsPolicy":"Default","terminationGracePeriodSeconds":0,"enableServiceLinks":false,"containers":[{"name":"c","image":"nginx","imagePullPolicy":"Never"}]}"#)
        s.applyDefaults(&p)
        #expect(p[path: ["spec", "restartPolicy"]] == "Never")
        #expect(p[path: ["spec", "dnsPolicy"]] == "Default")
        #expect(p[path: ["spec", "terminationGracePeriodSeconds"]] == 0)
        #expect(p[path: ["spec", "enableServiceLinks"]] == false)
        #expect(p[path: ["spec", "containers"]]?[0]?["imagePullPolicy"] == "Never")
    }

    @Test func nestedDefaults() throws {
        var p = try pod(#"""
        {"hostNetwork":true,
         "containers":[{"name":"c","image":"nginx","ports":[{"containerPort":8080}],
           "env":[{"name":"NODE","valueFrom":{"fieldRef":{"fieldPath":"spec.nodeName"}}}],
           "livenessProbe":{"httpGet":{"port":8080}},
           "readinessProbe":{"tcpSocket":{"port":8080},"periodSeconds":5},
           "startupProbe":{"grpc":{"port":9000}},
           "lifecycle":{"preStop":{"httpGet":{"port":80}}}}],
         "volumes":[{"name":"scratch"},{"name":"cfg","configMap":{"name":"cfg"}},{"name":"sec","secret":{"secretName":"s"}},
                    {"name":"host","hostPath":{"path":"/var/log"}},
                    {"name":"token","projected":{"sources":[{"serviceAccountToken":{"path":"token"}}]}}]}
        """#)
        s.applyDefaults(&p)
        let c = try #require(p[path: ["spec", "containers"]]?[0])
        #expect(c["ports"]?[0] == (try json(#"{"containerPort":8080,"hostPort":8080,"protocol":"TCP"}"#)))
        #expect(c["env"]?[0]?["valueFrom"]?["fieldRef"] == (try json(#"{"apiVersion":"v1","fieldPath":"spec.nodeName"}"#)))
        #expect(c["livenessProbe"] == (try json(#"{"httpGet":{"path":"/","port":8080,"scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3}"#)))
        #expect(c["readinessProbe"]?["periodSeconds"] == 5)
        #expect(c["startupProbe"]?["grpc"] == (try json(#"{"port":9000,"service":""}"#)))
        #expect(c["lifecycle"]?["preStop"]?["httpGet"]?["scheme"] == "HTTP")
        let vols = try #require(p[path: ["spec", "volumes"]]?.array)
        #expect(vols[0] == (try json(#"{"name":"scratch","emptyDir":{}}"#)))
        #expect(vols[1]["configMap"]?["defaultMode"] == 420)
        #expect(vols[2]["secret"]?["defaultMode"] == 420)
        #expect(vols[3]["hostPath"] == (try json(#"{"path":"/var/log","type":""}"#)))
        #expect(vols[4]["projected"] == (try json(#"{"defaultMode":420,"sources":[{"serviceAccountToken":{"path":"token","expirationSeconds":3600}}]}"#)))
    }

    @Test func limitsBecomeRequestsAndAreCanonical() throws {
        let out = created(try pod(#"{"containers":[{"name":"c","image":"nginx","resources":{"limits":{"cpu":"0.5","memory":"1024Mi"}}}]}"#), s)
        let resources = try #require(out[path: ["spec", "containers"]]?[0]?["resources"])
        #expect(resources == (try json(#"{"limits":{"cpu":"500m","memory":"1Gi"},"requests":{"cpu":"500m","memory":"1Gi"}}"#)))
        #expect(out[path: ["status", "qosClass"]] == "Guaranteed")
    }

    @Test func qosClasses() throws {
        let burstable = created(try pod(#"{"containers":[{"name":"c","image":"nginx","resources":{"requests":{"cpu":"100m"}}}]}"#), s)
        #expect(burstable[path: ["status", "qosClass"]] == "Burstable")
        // one container without limits makes the pod Burstable even if another is fully limited
        let mixed = created(try pod(#"{"containers":[{"name":"a","image":"nginx","resources":{"limits":{"cpu":"1","memory":"1Gi"}}},{"name":"b","image":"nginx"}]}"#), s)
        #expect(mixed[path: ["status", "qosClass"]] == "Burstable")
        let onlyExtended = created(try pod(#"{"containers":[{"name":"c","image":"nginx","resources":{"limits":{"example.com/gpu":"1"}}}]}"#), s)
        #expect(onlyExtended[path: ["status", "qosClass"]] == "BestEffort")
    }

    @Test func templatesDoNotGetPodOnlyDefaults() throws {
        var spec = try json(#"{"containers":[{"name":"c","image":"nginx","resources":{"limits":{"cpu":"1"}}}]}"#)
        PodSpecDefaults.applySpecDefaults(&spec)
        #expect(spec["enableServiceLinks"] == nil)
        #expect(spec["containers"]?[0]?["resources"] == (try json(#"{"limits":{"cpu":"1"}}"#)))
    }

    @Test func existingTolerationsSuppressTheDefaults() throws {
        let out = created(try pod(#"{"tolerations":[{"operator":"Exists"}],"containers":[{"name":"c","image":"nginx"}]}"#), s)
        #expect(out[path: ["spec", "tolerations"]] == (try json(#"[{"operator":"Exists"}]"#)))
        let partial = created(try pod(#"{"tolerations":[{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":60}],"containers":[{"name":"c","image":"nginx"}]}"#), s)
        let keys = partial[path: ["spec", "tolerations"]]?.array?.map { $0["key"]?.string ?? "" }
        #expect(keys == ["node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"])
    }

    @Test func systemPriorityClasses() throws {
        let out = created(try pod(#"{"priorityClassName":"system-node-critical","containers":[{"name":"c","image":"nginx"}]}"#), s)
        #expect(out[path: ["spec", "priority"]] == 2_000_001_000)
        #expect(out[path: ["spec", "preemptionPolicy"]] == "PreemptLowerPriority")
    }

    @Test func schedulingGatesAddGatedCondition() throws {
        let out = created(try pod(#"{"schedulingGates":[{"name":"example.com/wait"}],"containers":[{"name":"c","image":"nginx"}]}"#), s)
        let cond = try #require(out[path: ["status", "conditions"]]?[0])
        #expect(cond["reason"] == "SchedulingGated")
        #expect(cond["status"] == "False")
        #expect(cond["lastTransitionTime"] == .null)
    }

    @Test func createDropsClientStatus() throws {
        var p = try pod(#"{"containers":[{"name":"c","image":"nginx"}]}"#)
        p["status"] = ["phase": "Running", "podIP": "10.0.0.1"]
        let out = created(p, s)
        #expect(out["status"] == (try json(#"{"phase":"Pending","qosClass":"BestEffort"}"#)))
    }

    // MARK: validation

    @Test func missingImage() throws {
        let out = created(try pod(#"{"containers":[{"name":"nginx"}]}"#), s)
        #expect(messages(s.validate(out)) == ["spec.containers[0].image: Required value"])
        let status = APIError.invalid(kind: "Pod", name: "nginx", group: "", errors: s.validate(out))
        #expect(status.message == "Pod \"nginx\" is invalid: spec.containers[0].image: Required value")
    }

    @Test func absentSpecIsDefaultedLikeAnEmptyOne() throws {
        let out = created(try json(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"d"}}"#), s)
        #expect(out[path: ["spec", "restartPolicy"]] == "Always")
        #expect(messages(s.validate(out)) == ["spec.containers: Required value"])
    }

    @Test func containersRequired() throws {
        let out = created(try pod(#"{"containers":[]}"#), s)
        #expect(messages(s.validate(out)) == ["spec.containers: Required value"])
    }

    @Test func containerNamesAreLabelsAndUnique() throws {
        let out = created(try pod(#"{"containers":[{"name":"Web","image":"a"},{"name":"x","image":"a"},{"name":"x","image":"b"}]}"#), s)
        #expect(messages(s.validate(out)) == [
            "spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            "spec.containers[2].name: Duplicate value: \"x\"",
        ])
    }

    @Test func enumeratedFields() throws {
        let out = created(try pod(#"{"restartPolicy":"Sometimes","dnsPolicy":"Custom","containers":[{"name":"c","image":"a","imagePullPolicy":"Maybe","terminationMessagePolicy":"Log"}]}"#), s)
        #expect(messages(s.validate(out)) == [
            "spec.containers[0].terminationMessagePolicy: Unsupported value: \"Log\": supported values: \"File\", \"FallbackToLogsOnError\"",
            "spec.containers[0].imagePullPolicy: Unsupported value: \"Maybe\": supported values: \"Always\", \"IfNotPresent\", \"Never\"",
            "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
            "spec.dnsPolicy: Unsupported value: \"Custom\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"",
        ])
    }

    @Test func portRanges() throws {
        let out = created(try pod(#"{"containers":[{"name":"c","image":"a","ports":[{"containerPort":70000,"hostPort":-1,"protocol":"HTTP","name":"web"},{"containerPort":80,"name":"web"}]}]}"#), s)
        #expect(messages(s.validate(out)) == [
            "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.containers[0].ports[0].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive",
            "spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
            "spec.containers[0].ports[1].name: Duplicate value: \"web\"",
        ])
    }

    @Test func requestsMustNotExceedLimits() throws {
        let out = created(try pod(#"{"containers":[{"name":"c","image":"a","resources":{"limits":{"cpu":"500m"},"requests":{"cpu":"1","memory":"-1Gi"}}}]}"#), s)
        #expect(messages(s.validate(out)) == [
            "spec.containers[0].resources.requests: Invalid value: \"1\": must be less than or equal to cpu limit of 500m",
            "spec.containers[0].resources.requests[memory]: Invalid value: \"-1Gi\": must be greater than or equal to 0",
        ])
    }

    @Test func resourceNamesAndExtendedResources() throws {
        let out = created(try pod(#"{"containers":[{"name":"c","image":"a","resources":{"requests":{"gpu":"1","example.com/dongle":"1"}}}]}"#), s)
        #expect(messages(s.validate(out)) == [
            "spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources",
            "spec.containers[0].resources.requests[gpu]: Invalid value: \"gpu\": must be a standard resource type or fully qualified",
            "spec.containers[0].resources.requests[gpu]: Invalid value: \"gpu\": must be a standard resource for containers",
        ])
    }

    @Test func malformedQuantity() throws {
        let out = created(try pod(#"{"containers":[{"name":"c","image":"a","resources":{"limits":{"memory":"lots"}}}]}"#), s)
        let errs = s.validate(out)
        #expect(errs.map(\.field).contains("spec.containers[0].resources.limits[memory]"))
        #expect(errs.first?.detail == QuantityParseError.formatWrong.description)
    }

    @Test func probesAndVolumesAndMounts() throws {
        let out = created(try pod(#"""
        {"containers":[{"name":"c","image":"a","livenessProbe":{"successThreshold":2},
           "volumeMounts":[{"name":"missing","mountPath":"/a"},{"name":"data","mountPath":"/a"}]}],
         "volumes":[{"name":"data","emptyDir":{}},{"name":"Bad","emptyDir":{},"secret":{"secretName":"x"}}]}
        """#), s)
        #expect(messages(s.validate(out)) == [
            "spec.volumes[1].secret: Forbidden: may not specify more than 1 volume type",
            "spec.volumes[1].name: Invalid value: \"Bad\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            "spec.containers[0].volumeMounts[0].name: Not found: \"missing\"",
            "spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/a\": must be unique",
            "spec.containers[0].livenessProbe: Required value: must specify a handler type",
            "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
        ])
    }

    @Test func tolerationAndEnvRules() throws {
        let out = created(try pod(#"""
        {"tolerations":[{"operator":"Equal","value":"x"},{"key":"k","operator":"Exists","value":"v"},{"key":"k","effect":"NoSchedule","tolerationSeconds":5}],
         "containers":[{"name":"c","image":"a","env":[{"name":""},{"name":"A=B","value":"x"},{"name":"X","valueFrom":{}}]}]}
        """#), s)
        #expect(messages(s.validate(out)) == [
            "spec.containers[0].env[0].name: Required value",
            "spec.containers[0].env[1].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
            "spec.containers[0].env[2].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
            "spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            "spec.tolerations[1].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'",
            "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
        ])
    }

    @Test func downwardAPIFieldPaths() throws {
        let out = created(try pod(#"""
        {"containers":[{"name":"c","image":"a","env":[
          {"name":"A","valueFrom":{"fieldRef":{"fieldPath":"spec.foo"}}},
          {"name":"B","valueFrom":{"fieldRef":{"fieldPath":"spec.restartPolicy"}}},
          {"name":"C","valueFrom":{"fieldRef":{"fieldPath":"metadata.labels['app']"}}},
          {"name":"D","valueFrom":{"fieldRef":{"fieldPath":"metadata.labels['bad key']"}}}]}]}
        """#), s)
        #expect(messages(s.validate(out)) == [
            "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: \"spec.foo\": error converting fieldPath: field label not supported: spec.foo",
            "spec.containers[0].env[1].valueFrom.fieldRef.fieldPath: Unsupported value: \"spec.restartPolicy\": supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\"",
            "spec.containers[0].env[3].valueFrom.fieldRef: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        ])
    }

    @Test func podLevelFields() throws {
        let out = created(try pod(#"{"nodeName":"Node_1","hostname":"a.b","activeDeadlineSeconds":0,"nodeSelector":{"disk":"ssd d"},"containers":[{"name":"c","image":" a"}]}"#), s)
        let fields = s.validate(out).map(\.field)
        #expect(fields == ["spec.nodeSelector", "spec.nodeName", "spec.activeDeadlineSeconds", "spec.hostname", "spec.containers[0].image"])
    }

    @Test func ephemeralContainersCannotBeCreated() throws {
        let out = created(try pod(#"{"containers":[{"name":"c","image":"a"}],"ephemeralContainers":[{"name":"d","image":"busybox"}]}"#), s)
        #expect(messages(s.validate(out)).last == "spec.ephemeralContainers: Forbidden: cannot be set on create")
    }

    @Test func validPodsPass() throws {
        let out = created(try pod(#"""
        {"initContainers":[{"name":"init","image":"busybox","command":["true"]}],
         "containers":[{"name":"web","image":"nginx:1.27","ports":[{"name":"http","containerPort":80}],
           "env":[{"name":"POD_IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}},
                  {"name":"CFG","valueFrom":{"configMapKeyRef":{"name":"cfg","key":"a.b"}}}],
           "resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"memory":"128Mi"}},
           "readinessProbe":{"httpGet":{"path":"/healthz","port":"http"}},
           "volumeMounts":[{"name":"data","mountPath":"/data"}]}],
         "volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"pvc"}}],
         "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"kubernetes.io/os","operator":"In","values":["linux"]}]}]}}},
         "securityContext":{"runAsUser":1000,"fsGroup":2000}}
        """#), s)
        #expect(messages(s.validate(out)) == [])
    }

    // MARK: update

    @Test func imageMayChange() throws {
        let old = created(try pod(#"{"containers":[{"name":"c","image":"nginx:1.26"}]}"#), s)
        var new = old
        new[path: ["spec", "containers"]] = try json(#"[{"name":"c","image":"nginx:1.27","imagePullPolicy":"IfNotPresent","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}]"#)
        s.prepareForUpdate(&new, old: old)
        #expect(s.validateUpdate(new, old: old).isEmpty)
        // the pull policy is not among the updatable fields, as upstream
        new[path: ["spec", "containers"]] = try json(#"[{"name":"c","image":"nginx:1.27","imagePullPolicy":"Always","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}]"#)
        #expect(s.validateUpdate(new, old: old).map(\.field) == ["spec"])
    }

    @Test func otherSpecChangesAreForbidden() throws {
        let old = created(try pod(#"{"containers":[{"name":"c","image":"nginx"}]}"#), s)
        var new = old
        new[path: ["spec", "restartPolicy"]] = "Never"
        s.prepareForUpdate(&new, old: old)
        let errs = s.validateUpdate(new, old: old)
        #expect(errs.count == 1)
        #expect(errs[0].field == "spec")
        #expect(errs[0].kind == .forbidden)
        #expect(errs[0].detail.hasPrefix("pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n"))
        #expect(errs[0].detail.contains("restartPolicy"))
    }

    @Test func containersCannotBeAddedOrRemoved() throws {
        let old = created(try pod(#"{"containers":[{"name":"c","image":"nginx"}]}"#), s)
        var new = old
        new[path: ["spec", "containers"]] = .array((old[path: ["spec", "containers"]]?.array ?? []) + [["name": "d", "image": "x"]])
        s.applyDefaults(&new)
        s.prepareForUpdate(&new, old: old)
        #expect(messages(s.validateUpdate(new, old: old)) == ["spec.containers: Forbidden: pod updates may not add or remove containers"])
    }

    @Test func updateThatOmitsAdmissionFieldsKeepsThem() throws {
        // a PUT of the original manifest: defaults are re-applied and admission re-adds what it owns
        let old = created(try pod(#"{"containers":[{"name":"c","image":"nginx"}]}"#), s)
        var new = try pod(#"{"containers":[{"name":"c","image":"nginx:latest"}]}"#)
        s.applyDefaults(&new)
        s.prepareForUpdate(&new, old: old)
        #expect(s.validateUpdate(new, old: old).isEmpty)
        #expect(new["status"] == old["status"])
    }

    @Test func tolerationsMayOnlyBeAdded() throws {
        let old = created(try pod(#"{"containers":[{"name":"c","image":"nginx"}]}"#), s)
        var added = old
        added[path: ["spec", "tolerations"]] = .array((old[path: ["spec", "tolerations"]]?.array ?? []) + [["key": "dedicated", "operator": "Exists"]])
        #expect(s.validateUpdate(added, old: old).isEmpty)
        var changed = old
        changed[path: ["spec", "tolerations"]] = try json(#"[{"key":"other","operator":"Exists"}]"#)
        #expect(messages(s.validateUpdate(changed, old: old)).first == "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds")
    }

    @Test func activeDeadlineMayOnlyShrink() throws {
        let old = created(try pod(#"{"activeDeadlineSeconds":100,"containers":[{"name":"c","image":"nginx"}]}"#), s)
        var new = old
        new[path: ["spec", "activeDeadlineSeconds"]] = 50
        #expect(s.validateUpdate(new, old: old).isEmpty)
        new[path: ["spec", "activeDeadlineSeconds"]] = 200
        #expect(messages(s.validateUpdate(new, old: old)) == ["spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value"])
    }

    @Test func statusUpdateKeepsSpecAndOwners() throws {
        var old = created(try pod(#"{"containers":[{"name":"c","image":"nginx"}]}"#), s)
        old[path: ["metadata", "ownerReferences"]] = try json(#"[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"1"}]"#)
        var new = old
        new[path: ["spec", "nodeName"]] = "sneaky"
        new[path: ["metadata", "ownerReferences"]] = nil
        new["status"] = try json(#"{"phase":"Running","podIP":"10.244.0.5"}"#)
        s.applyDefaults(&new)
        s.prepareForStatusUpdate(&new, old: old)
        #expect(new["spec"] == old["spec"])
        #expect(new[path: ["metadata", "ownerReferences"]] == old[path: ["metadata", "ownerReferences"]])
        #expect(new["status"] == (try json(#"{"phase":"Running","podIP":"10.244.0.5","podIPs":[{"ip":"10.244.0.5"}],"qosClass":"BestEffort"}"#)))
        #expect(s.validateStatusUpdate(new, old: old).isEmpty)
        new[path: ["status", "podIPs"]] = try json(#"[{"ip":"not-an-ip"}]"#)
        #expect(messages(s.validateStatusUpdate(new, old: old)) == ["status.podIPs[0]: Invalid value: \"not-an-ip\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"])
        new[path: ["status", "podIPs"]] = nil
        new[path: ["status", "qosClass"]] = "Guaranteed"
        #expect(messages(s.validateStatusUpdate(new, old: old)) == ["status.qosClass: Invalid value: \"Guaranteed\": field is immutable"])
    }

    // MARK: field selectors

    @Test func selectableFields() throws {
        var p = created(try pod(#"{"nodeName":"n1","serviceAccountName":"sa","containers":[{"name":"c","image":"nginx"}]}"#), s)
        p[path: ["status", "podIPs"]] = try json(#"[{"ip":"10.0.0.7"},{"ip":"fd00::7"}]"#)
        #expect(s.selectableFields(p) == [
            "metadata.name": "nginx", "metadata.namespace": "default", "spec.nodeName": "n1",
            "spec.restartPolicy": "Always", "spec.schedulerName": "default-scheduler", "spec.serviceAccountName": "sa",
            "spec.hostNetwork": "false", "status.phase": "Pending", "status.podIP": "10.0.0.7", "status.nominatedNodeName": "",
        ])
    }

    @Test func serviceAccountMirrors() throws {
        var p = try pod(#"{"serviceAccount":"builder","containers":[{"name":"c","image":"nginx"}]}"#)
        s.applyDefaults(&p)
        #expect(p[path: ["spec", "serviceAccountName"]] == "builder")
        #expect(p[path: ["spec", "serviceAccount"]] == "builder")
    }
}
