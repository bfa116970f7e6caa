import Foundation
import Testing

@testable import APIMachinery

/// `JSON.serialized()` writes objects as upstream's kube-apiserver does (encoding/json over the Go types):
/// struct fields in declaration order, map keys sorted, and the same bytes every time.
///
/// Each expected text is in upstream's order; the value under test is parsed from it, which keeps no order
/// (a Swift dictionary), so the writer has to put every key back where upstream has it.
@Suite struct JSONFieldOrderTests {
    private func roundTrip(_ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let value = try JSON.parse(expected)
        #expect(String(decoding: value.serialized(), as: UTF8.self) == expected, sourceLocation: sourceLocation)
    }

    @Test func podInUpstreamOrder() throws {
        try roundTrip(
            #"{"kind":"Pod","apiVersion":"v1","#
                + #""metadata":{"name":"web-1","generateName":"web-","namespace":"default","uid":"0b5c","resourceVersion":"12","#
                + #""generation":1,"creationTimestamp":"2025-01-01T00:00:00Z","labels":{"Zone":"a","app":"web","app.kubernetes.io/name":"web"},"#
                + #""annotations":{"a":"1","b":"2"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web","uid":"9f1","controller":true,"blockOwnerDeletion":true}],"#
                + #""finalizers":["x/y"],"managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1","time":"2025-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{},"f:spec":{"f:containers":{}}}}]},"#
                + #""spec":{"volumes":[{"name":"data","emptyDir":{"sizeLimit":"1Gi"}},{"name":"cfg","configMap":{"name":"cfg","defaultMode":420}}],"#
                + #""initContainers":[{"name":"init","image":"busybox"}],"#
                + #""containers":[{"name":"c","image":"nginx","command":["nginx"],"ports":[{"name":"http","containerPort":80,"protocol":"TCP"}],"#
                + #""env":[{"name":"A","value":"1"}],"resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"100m"}},"#
                + #""volumeMounts":[{"name":"data","readOnly":true,"mountPath":"/data"}],"#
                + #""livenessProbe":{"exec":{"command":["true"]},"initialDelaySeconds":1},"#
                + #""readinessProbe":{"httpGet":{"path":"/","port":80,"scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":5,"successThreshold":1,"failureThreshold":3},"#
                + #""terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"Always"}],"#
                + #""restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","nodeSelector":{"a":"1","z":"2"},"#
                + #""serviceAccountName":"default","serviceAccount":"default","nodeName":"node-1","securityContext":{},"schedulerName":"default-scheduler","#
                + #""tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"#
                + #""priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},"#
                + #""status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2025-01-01T00:00:01Z"}],"#
                + #""hostIP":"10.0.0.1","hostIPs":[{"ip":"10.0.0.1"}],"podIP":"10.1.0.5","podIPs":[{"ip":"10.1.0.5"}],"startTime":"2025-01-01T00:00:00Z","#
                + #""containerStatuses":[{"name":"c","state":{"running":{"startedAt":"2025-01-01T00:00:01Z"}},"lastState":{},"ready":true,"#
                + #""restartCount":0,"image":"nginx","imageID":"docker.io/library/nginx@sha256:1","containerID":"containerd://1","started":true}],"#
                + #""qosClass":"Burstable"}}"#)
    }

    @Test func deploymentInUpstreamOrder() throws {
        try roundTrip(
            #"{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"default","generation":2,"#
                + #""annotations":{"deployment.kubernetes.io/revision":"1"}},"#
                + #""spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"#
                + #""template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}},"#
                + #""strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},"#
                + #""revisionHistoryLimit":10,"progressDeadlineSeconds":600},"#
                + #""status":{"observedGeneration":2,"replicas":3,"updatedReplicas":3,"readyReplicas":3,"availableReplicas":3,"#
                + #""conditions":[{"type":"Available","status":"True","lastUpdateTime":"2025-01-01T00:00:00Z","lastTransitionTime":"2025-01-01T00:00:00Z","reason":"MinimumReplicasAvailable","message":"ok"}]}}"#)
    }

    @Test func serviceInUpstreamOrder() throws {
        try roundTrip(
            #"{"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"default"},"#
                + #""spec":{"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080,"nodePort":30080}],"selector":{"app":"web"},"#
                + #""clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],"type":"NodePort","sessionAffinity":"None","externalTrafficPolicy":"Cluster","#
                + #""ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"},"#
                + #""status":{"loadBalancer":{}}}"#)
    }

    /// A 409 for a create of an existing pod, byte for byte as kube-apiserver writes it.
    @Test func statusAsUpstreamWritesIt() throws {
        try roundTrip(
            #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" already exists","#
                + #""reason":"AlreadyExists","details":{"name":"x","kind":"pods"},"code":409}"#)
        try roundTrip(
            #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"invalid","reason":"Invalid","#
                + #""details":{"name":"x","kind":"pods","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers"}]},"code":422}"#)
    }

    /// The API server builds lists with bare items; their type comes from the list's (PodList.items → Pod).
    @Test func listItemsTakeTheirTypeFromTheList() throws {
        try roundTrip(
            #"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"abc","remainingItemCount":3},"#
                + #""items":[{"metadata":{"name":"a","namespace":"default"},"spec":{"containers":[{"name":"c","image":"i"}],"nodeName":"n"},"status":{"phase":"Pending"}},"#
                + #"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"b"},"spec":{"containers":[]},"status":{}}]}"#)
        // kind: List holds objects of any kind, each typed by its own apiVersion and kind.
        try roundTrip(
            #"{"kind":"List","apiVersion":"v1","metadata":{},"items":["#
                + #"{"kind":"Service","apiVersion":"v1","metadata":{"name":"s"},"spec":{"ports":[{"port":80,"targetPort":80}],"selector":{"a":"2","b":"1"}}},"#
                + #"{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"d"},"spec":{"replicas":1,"selector":{}}}]}"#)
    }

    @Test func watchEventIsTypeThenObject() throws {
        try roundTrip(
            #"{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"3"},"spec":{"containers":[]},"status":{"phase":"Pending"}}}"#)
        try roundTrip(
            #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old","reason":"Expired","code":410}}"#)
    }

    @Test func tableInUpstreamOrder() throws {
        try roundTrip(
            #"{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"9"},"#
                + #""columnDefinitions":[{"name":"Name","type":"string","format":"name","description":"the name","priority":0}],"#
                + #""rows":[{"cells":["a",{"a":2,"z":1}],"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"a","namespace":"default"}}}]}"#)
    }

    /// Fields a built-in type does not have follow its known ones, sorted; custom resources (not built in)
    /// are sorted throughout, as upstream writes them (unstructured objects are Go maps).
    @Test func unknownFieldsAndKindsAreSorted() throws {
        try roundTrip(
            #"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c","aa":2,"zz":1},"data":{"B":"1","a":"2","b":"3"},"extra":{"x":2,"y":1}}"#)
        try roundTrip(
            #"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"creationTimestamp":null,"name":"w","namespace":"default"},"spec":{"a":{"c":2,"d":1},"b":1}}"#)
        try roundTrip(#"{"a":1,"b":{"kind":"x","y":[{"a":2,"b":1}]},"c":null}"#)
    }

    /// Go sorts map keys by their UTF-8 bytes: upper case before lower case, "é" after "z".
    @Test func mapKeysSortedByBytes() throws {
        let value = try JSON.parse(#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{},"data":{"é":"4","z":"3","a":"2","Z":"1","a.b":"0"}}"#)
        #expect(String(decoding: value.serialized(), as: UTF8.self)
            == #"{"kind":"ConfigMap","apiVersion":"v1","metadata":{},"data":{"Z":"1","a":"2","a.b":"0","z":"3","é":"4"}}"#)
    }

    /// Equal values give equal bytes: serialised repeatedly, and from dictionaries built in other orders
    /// (which may iterate differently).
    @Test func sameValueSameBytes() throws {
        var pod = try JSON.parse(
            #"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","labels":{"k1":"v","k2":"v","k3":"v","k4":"v","k5":"v"}},"#
                + #""spec":{"containers":[{"name":"c","image":"i","env":[{"name":"X","value":"1"}]}]},"status":{}}"#)
        let first = pod.serialized()
        for _ in 0..<10 { #expect(pod.serialized() == first) }

        var labels: [String: JSON] = [:]
        labels.reserveCapacity(64)
        for k in ["k5", "k4", "k3", "k2", "k1"] { labels[k] = "v" }
        pod[path: ["metadata", "labels"]] = .object(labels)
        #expect(pod.serialized() == first)

        var unknown: [String: JSON] = [:]
        for i in (0..<50).reversed() { unknown["key\(i)"] = .int(Int64(i)) }
        var other: [String: JSON] = [:]
        other.reserveCapacity(500)
        for i in 0..<50 { other["key\(i)"] = .int(Int64(i)) }
        #expect(JSON.object(unknown).serialized() == JSON.object(other).serialized())
    }

    @Test func sortedKeysStillSortsEverything() {
        let v: JSON = ["kind": "Pod", "apiVersion": "v1", "metadata": ["name": "a", "labels": ["b": "1", "a": "2"]]]
        #expect(String(decoding: v.serialized(sortedKeys: true), as: UTF8.self)
            == #"{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"a":"2","b":"1"},"name":"a"}}"#)
    }

    /// The generated table has the kinds the API server serves, kinds first with TypeMeta's two fields.
    @Test func bundledTableCoversTheGroups() throws {
        let order = JSONFieldOrder.bundled
        for (apiVersion, kind) in [
            ("v1", "Pod"), ("v1", "ConfigMap"), ("apps/v1", "Deployment"), ("batch/v1", "CronJob"),
            ("storage.k8s.io/v1", "StorageClass"), ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
            ("flowcontrol.apiserver.k8s.io/v1", "FlowSchema"), ("certificates.k8s.io/v1", "CertificateSigningRequest"),
            ("events.k8s.io/v1", "Event"), ("node.k8s.io/v1", "RuntimeClass"), ("resource.k8s.io/v1beta1", "ResourceClaim"),
            ("v1", "Status"), ("meta.k8s.io/v1", "Table"), ("meta.k8s.io/v1", "PartialObjectMetadataList"),
        ] {
            let t = try #require(order.type(apiVersion: apiVersion, kind: kind), "\(apiVersion) \(kind)")
            #expect(order.structs[Int(t)].ranks["kind"] == 0 && order.structs[Int(t)].ranks["apiVersion"] == 1)
        }
        #expect(order.type(apiVersion: "example.com/v1", kind: "Widget") == nil)
        // A custom resource's kind named like a meta/v1 type stays untyped; Status is Status anywhere.
        #expect(order.type(apiVersion: "example.com/v1", kind: "Table") == nil)
        #expect(order.type(apiVersion: "example.com/v1", kind: "Status") == order.type(apiVersion: "v1", kind: "Status"))
        #expect(order.type(apiVersion: "v1", kind: "APIResourceList") != nil)
    }
}
