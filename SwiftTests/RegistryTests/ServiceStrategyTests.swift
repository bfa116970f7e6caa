import APIMachinery
import Testing
@testable import Registry

@Suite struct ServiceStrategyTests {
    let s = ServiceStrategy(info: (try? resource("services")) ?? Catalog.resources[0])

    func service(_ spec: String, name: String = "web") throws -> JSON {
        try json(#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"\#(name)","namespace":"default"},"spec":\#(spec)}"#)
    }

    /// `kubectl expose`-style ClusterIP service; the cluster IP is the server's to allocate.
    @Test func clusterIPDefaults() throws {
        let out = created(try service(#"{"selector":{"app":"web"},"ports":[{"port":80}]}"#), s)
        let expected = try json(#"""
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},
         "spec":{"internalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack",
                 "ports":[{"port":80,"protocol":"TCP","targetPort":80}],"selector":{"app":"web"},
                 "sessionAffinity":"None","type":"ClusterIP"},
         "status":{"loadBalancer":{}}}
        """#)
        #expect(out == expected)
        #expect(s.validate(out).isEmpty)
    }

    @Test func allocatedIPValidates() throws {
        var out = created(try service(#"{"clusterIP":"10.96.0.10","ports":[{"port":53,"protocol":"UDP","name":"dns"},{"port":53,"name":"dns-tcp","targetPort":"dns-tcp"}]}"#), s)
        #expect(out[path: ["spec", "clusterIPs"]] == ["10.96.0.10"])
        #expect(s.validate(out).isEmpty)
        out[path: ["spec", "clusterIPs"]] = ["10.96.0.11"]
        #expect(messages(s.validate(out)) == ["spec.clusterIPs: Invalid value: []string{\"10.96.0.11\"}: first value must match `clusterIP`"])
    }

    @Test func nodePortAndLoadBalancerDefaults() throws {
        let np = created(try service(#"{"type":"NodePort","ports":[{"port":80,"nodePort":30080}]}"#), s)
        #expect(np[path: ["spec", "externalTrafficPolicy"]] == "Cluster")
        #expect(np[path: ["spec", "allocateLoadBalancerNodePorts"]] == nil)
        #expect(s.validate(np).isEmpty)
        let lb = created(try service(#"{"type":"LoadBalancer","ports":[{"port":443}]}"#), s)
        #expect(lb[path: ["spec", "allocateLoadBalancerNodePorts"]] == true)
        #expect(lb[path: ["spec", "externalTrafficPolicy"]] == "Cluster")
        #expect(s.validate(lb).isEmpty)
        let affinity = created(try service(#"{"sessionAffinity":"ClientIP","ports":[{"port":80}]}"#), s)
        #expect(affinity[path: ["spec", "sessionAffinityConfig"]] == (try json(#"{"clientIP":{"timeoutSeconds":10800}}"#)))
    }

    @Test func headlessAndExternalName() throws {
        let headless = created(try service(#"{"clusterIP":"None","selector":{"app":"db"}}"#), s)
        #expect(headless[path: ["spec", "ipFamilyPolicy"]] == "SingleStack")
        #expect(headless[path: ["spec", "clusterIPs"]] == ["None"])
        #expect(s.validate(headless).isEmpty)
        let selectorless = created(try service(#"{"clusterIP":"None"}"#), s)
        #expect(selectorless[path: ["spec", "ipFamilyPolicy"]] == "RequireDualStack")
        let ext = created(try service(#"{"type":"ExternalName","externalName":"db.example.com."}"#), s)
        #expect(ext[path: ["spec", "ipFamilies"]] == nil)
        #expect(ext[path: ["spec", "internalTrafficPolicy"]] == nil)
        #expect(s.validate(ext).isEmpty)
        let badExt = created(try service(#"{"type":"ExternalName","externalName":"Bad_Name","ports":[{"port":80}]}"#), s)
        #expect(badExt.description.count > 0)
        #expect(s.validate(badExt).map(\.field) == ["spec.externalName"])
    }

    @Test func portsRequiredAndChecked() throws {
        let none = created(try service(#"{"selector":{"app":"web"}}"#), s)
        #expect(messages(s.validate(none)) == ["spec.ports: Required value"])
        let bad = created(try service(#"{"ports":[{"port":0},{"port":70000,"name":"web","protocol":"ICMP"},{"port":80,"name":"web"}]}"#), s)
        #expect(messages(s.validate(bad)) == [
            "spec.ports[0].name: Required value",
            "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.ports[1].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
            "spec.ports[1].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.ports[2].name: Duplicate value: \"web\"",
        ])
    }

    @Test func duplicatePortsAndTypes() throws {
        let dup = created(try service(#"{"ports":[{"port":80,"name":"a"},{"port":80,"name":"b"}]}"#), s)
        #expect(messages(s.validate(dup)) == [
            "spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}",
        ])
        var typed = created(try service(#"{"ports":[{"port":80,"nodePort":30001}]}"#), s)
        #expect(messages(s.validate(typed)) == ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"])
        typed[path: ["spec", "type"]] = "Magic"
        #expect(s.validate(typed).contains { $0.message == "spec.type: Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"" })
    }

    @Test func clusterIPIsImmutable() throws {
        var old = created(try service(#"{"ports":[{"port":80}]}"#), s)
        old[path: ["spec", "clusterIP"]] = "10.96.0.5"
        old[path: ["spec", "clusterIPs"]] = ["10.96.0.5"]
        var new = old
        new[path: ["spec", "clusterIP"]] = "10.96.0.6"
        new[path: ["spec", "clusterIPs"]] = ["10.96.0.6"]
        s.prepareForUpdate(&new, old: old)
        #expect(messages(s.validateUpdate(new, old: old)) == ["spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.6\"}: may not change once set"])
    }

    @Test func updateWithoutAllocatedValuesKeepsThem() throws {
        var old = created(try service(#"{"type":"NodePort","ports":[{"name":"http","port":80}]}"#), s)
        old[path: ["spec", "clusterIP"]] = "10.96.0.5"
        old[path: ["spec", "clusterIPs"]] = ["10.96.0.5"]
        old[path: ["spec", "ports"]] = try json(#"[{"name":"http","port":80,"protocol":"TCP","targetPort":80,"nodePort":31000}]"#)
        // a PUT of the original manifest
        var new = try service(#"{"type":"NodePort","ports":[{"name":"http","port":80}]}"#)
        s.applyDefaults(&new)
        s.prepareForUpdate(&new, old: old)
        #expect(new[path: ["spec", "clusterIP"]] == "10.96.0.5")
        #expect(new[path: ["spec", "clusterIPs"]] == ["10.96.0.5"])
        #expect(new[path: ["spec", "ports"]]?[0]?["nodePort"] == 31000)
        #expect(s.validateUpdate(new, old: old).isEmpty)
    }

    @Test func switchingToExternalNameClearsAllocations() throws {
        var old = created(try service(#"{"ports":[{"port":80}]}"#), s)
        old[path: ["spec", "clusterIP"]] = "10.96.0.5"
        old[path: ["spec", "clusterIPs"]] = ["10.96.0.5"]
        var new = old
        new[path: ["spec", "type"]] = "ExternalName"
        new[path: ["spec", "externalName"]] = "example.com"
        s.applyDefaults(&new)
        s.prepareForUpdate(&new, old: old)
        #expect(new[path: ["spec", "clusterIP"]] == nil)
        #expect(new[path: ["spec", "ipFamilies"]] == nil)
        #expect(new[path: ["spec", "ipFamilyPolicy"]] == nil)
        #expect(s.validateUpdate(new, old: old).isEmpty)
    }

    @Test func statusSubresource() throws {
        let old = created(try service(#"{"type":"LoadBalancer","ports":[{"port":80}]}"#), s)
        var new = old
        new[path: ["spec", "sessionAffinity"]] = "ClientIP"
        new["status"] = try json(#"{"loadBalancer":{"ingress":[{"ip":"192.0.2.10"}]}}"#)
        s.applyDefaults(&new)
        s.prepareForStatusUpdate(&new, old: old)
        #expect(new["spec"] == old["spec"])
        #expect(new[path: ["status", "loadBalancer", "ingress"]]?[0]?["ipMode"] == "VIP")
        #expect(s.validateStatusUpdate(new, old: old).isEmpty)
        new[path: ["status", "loadBalancer", "ingress"]] = try json(#"[{"ip":"nope","ipMode":"VIP"}]"#)
        #expect(messages(s.validateStatusUpdate(new, old: old)) == ["status.loadBalancer.ingress[0].ip: Invalid value: \"nope\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"])
    }

    @Test func externalIPsMustBeNormal() throws {
        let out = created(try service(#"{"externalIPs":["127.0.0.1","169.254.1.1","x"],"ports":[{"port":80}]}"#), s)
        #expect(messages(s.validate(out)) == [
            "spec.externalIPs[0]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
            "spec.externalIPs[1]: Invalid value: \"169.254.1.1\": may not be in the link-local range (169.254.0.0/16, fe80::/10)",
            "spec.externalIPs[2]: Invalid value: \"x\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        ])
    }

    @Test func selectableFields() throws {
        var out = created(try service(#"{"ports":[{"port":80}]}"#), s)
        out[path: ["spec", "clusterIP"]] = "10.96.0.9"
        #expect(s.selectableFields(out) == ["metadata.name": "web", "metadata.namespace": "default", "spec.clusterIP": "10.96.0.9", "spec.type": "ClusterIP"])
    }
}
