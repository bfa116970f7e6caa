import APIMachinery
import Testing
@testable import Registry

/// Each Pod Security Standards check against upstream v1.32's wording.
@Suite("PodSecurity checks")
struct PodSecurityChecksTests {
    /// A pod whose containers carry `securityContext`s (by name), with `spec` merged in.
    static func pod(_ containers: [(String, JSON)] = [("c", [:])], spec: JSON = [:], annotations: [String: String] = [:],
                    initContainers: [(String, JSON)] = []) -> PodSecuritySubject {
        var s: JSON = spec
        s["containers"] = .array(containers.map { ["name": .string($0.0), "image": "nginx", "securityContext": $0.1] })
        if !initContainers.isEmpty {
            s["initContainers"] = .array(initContainers.map { ["name": .string($0.0), "image": "busybox", "securityContext": $0.1] })
        }
        return PodSecuritySubject(annotations: annotations, spec: s)
    }

    /// A container security context that satisfies restricted.
    static let restrictedContext: JSON = [
        "allowPrivilegeEscalation": false, "runAsNonRoot": true,
        "capabilities": ["drop": ["ALL"]], "seccompProfile": ["type": "RuntimeDefault"],
    ]

    func result(_ check: PodSecurityCheck, _ pod: PodSecuritySubject, minor: Int = 32) -> PodSecurityCheckResult {
        check.version(at: minor)?.evaluate(pod) ?? .allowed
    }

    @Test func hostNamespaces() {
        let r = result(PodSecurityChecks.hostNamespaces, Self.pod(spec: ["hostIPC": true, "hostNetwork": true, "hostPID": true]))
        #expect(r == .forbidden("host namespaces", "hostNetwork=true, hostPID=true, hostIPC=true"))
        #expect(result(PodSecurityChecks.hostNamespaces, Self.pod(spec: ["hostNetwork": false])).allowed)
    }

    @Test func privileged() {
        let pod = Self.pod([("a", ["privileged": true]), ("b", ["privileged": false])], initContainers: [("i", ["privileged": true])])
        #expect(result(PodSecurityChecks.privileged, pod) == .forbidden("privileged", #"containers "i", "a" must not set securityContext.privileged=true"#))
        #expect(result(PodSecurityChecks.privileged, Self.pod([("b", ["privileged": false])])).allowed)
    }

    @Test func windowsHostProcess() {
        let pod = Self.pod([("a", ["windowsOptions": ["hostProcess": true]])], spec: ["securityContext": ["windowsOptions": ["hostProcess": true]]])
        #expect(result(PodSecurityChecks.windowsHostProcess, pod)
            == .forbidden("hostProcess", #"pod and container "a" must not set securityContext.windowsOptions.hostProcess=true"#))
    }

    @Test func hostPorts() {
        var spec = Self.pod().spec
        spec["containers"] = [
            ["name": "a", "ports": [["containerPort": 80, "hostPort": 8080], ["containerPort": 81, "hostPort": 0]]],
            ["name": "b", "ports": [["containerPort": 90, "hostPort": 10000]]],
            ["name": "c", "ports": [["containerPort": 91]]],
        ]
        #expect(result(PodSecurityChecks.hostPorts, PodSecuritySubject(annotations: [:], spec: spec))
            == .forbidden("hostPort", #"containers "a", "b" use hostPorts 10000, 8080"#))
    }

    @Test func capabilitiesBaseline() {
        let pod = Self.pod([("a", ["capabilities": ["add": ["NET_RAW", "CHOWN", "SYS_ADMIN"]]]), ("b", ["capabilities": ["add": ["KILL"]]])])
        #expect(result(PodSecurityChecks.capabilitiesBaseline, pod)
            == .forbidden("non-default capabilities", #"container "a" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add"#))
    }

    @Test func capabilitiesRestricted() {
        let pod = Self.pod([("a", [:]), ("b", ["capabilities": ["drop": ["ALL"], "add": ["NET_BIND_SERVICE", "NET_RAW"]]]),
                            ("c", ["capabilities": ["drop": ["ALL"], "add": ["NET_BIND_SERVICE"]]])])
        #expect(result(PodSecurityChecks.capabilitiesRestricted, pod) == .forbidden(
            "unrestricted capabilities",
            #"container "a" must set securityContext.capabilities.drop=["ALL"]; container "b" must not include "NET_RAW" in securityContext.capabilities.add"#))
        // Windows pods are exempt from v1.25, not before.
        var windows = Self.pod([("a", [:])])
        windows.spec["os"] = ["name": "windows"]
        #expect(result(PodSecurityChecks.capabilitiesRestricted, windows).allowed)
        #expect(!result(PodSecurityChecks.capabilitiesRestricted, windows, minor: 24).allowed)
    }

    @Test func allowPrivilegeEscalation() {
        let pod = Self.pod([("a", [:]), ("b", ["allowPrivilegeEscalation": true]), ("c", ["allowPrivilegeEscalation": false])])
        #expect(result(PodSecurityChecks.allowPrivilegeEscalation, pod)
            == .forbidden("allowPrivilegeEscalation != false", #"containers "a", "b" must set securityContext.allowPrivilegeEscalation=false"#))
    }

    @Test func hostPathAndRestrictedVolumes() {
        let pod = PodSecuritySubject(annotations: [:], spec: ["containers": [["name": "c"]], "volumes": [
            ["name": "host", "hostPath": ["path": "/"]], ["name": "cm", "configMap": ["name": "x"]],
            ["name": "share", "nfs": ["server": "s", "path": "/"]], ["name": "tmp", "emptyDir": [:]], ["name": "odd"],
        ]])
        #expect(result(PodSecurityChecks.hostPathVolumes, pod) == .forbidden("hostPath volumes", #"volume "host""#))
        #expect(result(PodSecurityChecks.restrictedVolumes, pod) == .forbidden(
            "restricted volume types", #"volumes "host", "share", "odd" use restricted volume types "hostPath", "nfs", "unknown""#))
    }

    @Test func appArmor() {
        let pod = Self.pod([("a", ["appArmorProfile": ["type": "Unconfined"]]), ("b", ["appArmorProfile": ["type": "Localhost", "localhostProfile": "p"]])],
                           annotations: ["container.apparmor.security.beta.kubernetes.io/a": "unconfined",
                                         "container.apparmor.security.beta.kubernetes.io/b": "localhost/p",
                                         "container.apparmor.security.beta.kubernetes.io/c": "runtime/default"])
        #expect(result(PodSecurityChecks.appArmorProfile, pod) == .forbidden(
            "forbidden AppArmor profiles",
            #"container "a" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined"""#))
        let podOnly = Self.pod(spec: ["securityContext": ["appArmorProfile": ["type": "Unconfined"]]])
        #expect(result(PodSecurityChecks.appArmorProfile, podOnly)
            == .forbidden("forbidden AppArmor profile", #"pod must not set AppArmor profile type to "Unconfined""#))
    }

    @Test func seLinux() {
        let pod = Self.pod([("a", ["seLinuxOptions": ["type": "spc_t", "user": "u"]]), ("b", ["seLinuxOptions": ["type": "container_engine_t"]])],
                           spec: ["securityContext": ["seLinuxOptions": ["role": "r"]]])
        #expect(result(PodSecurityChecks.seLinuxOptions, pod) == .forbidden(
            "seLinuxOptions", #"pod and container "a" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set"#))
        // container_engine_t is allowed from v1.31.
        #expect(result(PodSecurityChecks.seLinuxOptions, pod, minor: 30).detail.hasPrefix(#"pod and containers "a", "b" set"#))
    }

    @Test func procMount() {
        let pod = Self.pod([("a", ["procMount": "Unmasked"]), ("b", ["procMount": "Default"])])
        #expect(result(PodSecurityChecks.procMount, pod) == .forbidden("procMount", #"container "a" must not set securityContext.procMount to "Unmasked""#))
    }

    @Test func sysctlsByVersion() {
        let pod = Self.pod(spec: ["securityContext": ["sysctls": [["name": "net.ipv4.tcp_rmem", "value": "1"], ["name": "kernel.msgmax", "value": "1"],
                                                                  ["name": "net.ipv4.ip_local_port_range", "value": "1 2"]]]])
        #expect(result(PodSecurityChecks.sysctls, pod) == .forbidden("forbidden sysctls", "kernel.msgmax"))
        #expect(result(PodSecurityChecks.sysctls, pod, minor: 31) == .forbidden("forbidden sysctls", "net.ipv4.tcp_rmem, kernel.msgmax"))
    }

    @Test func seccompBaselineAndRestricted() {
        let unconfined = Self.pod([("a", ["seccompProfile": ["type": "Unconfined"]]), ("b", [:])])
        #expect(result(PodSecurityChecks.seccompProfileBaseline, unconfined)
            == .forbidden("seccompProfile", #"container "a" must not set securityContext.seccompProfile.type to "Unconfined""#))
        #expect(result(PodSecurityChecks.seccompProfileRestricted, unconfined)
            == .forbidden("seccompProfile", #"container "a" must not set securityContext.seccompProfile.type to "Unconfined""#))
        let unset = Self.pod([("a", [:]), ("b", ["seccompProfile": ["type": "Localhost", "localhostProfile": "p.json"]])])
        #expect(result(PodSecurityChecks.seccompProfileBaseline, unset).allowed)
        #expect(result(PodSecurityChecks.seccompProfileRestricted, unset) == .forbidden(
            "seccompProfile", #"pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#))
        var podLevel = unset
        podLevel.spec["securityContext"] = ["seccompProfile": ["type": "RuntimeDefault"]]
        #expect(result(PodSecurityChecks.seccompProfileRestricted, podLevel).allowed)
        // Before v1.19 baseline read the alpha annotations.
        let annotated = Self.pod(annotations: ["seccomp.security.alpha.kubernetes.io/pod": "unconfined"])
        #expect(result(PodSecurityChecks.seccompProfileBaseline, annotated, minor: 18)
            == .forbidden("seccompProfile", #"forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined""#))
    }

    @Test func runAsNonRootAndRunAsUser() {
        let explicit = Self.pod([("a", ["runAsNonRoot": false]), ("b", [:])], spec: ["securityContext": ["runAsNonRoot": false]])
        #expect(result(PodSecurityChecks.runAsNonRoot, explicit)
            == .forbidden("runAsNonRoot != true", #"pod and container "a" must not set securityContext.runAsNonRoot=false"#))
        let implicit = Self.pod([("a", [:]), ("b", ["runAsNonRoot": true])])
        #expect(result(PodSecurityChecks.runAsNonRoot, implicit)
            == .forbidden("runAsNonRoot != true", #"pod or container "a" must set securityContext.runAsNonRoot=true"#))
        #expect(result(PodSecurityChecks.runAsNonRoot, Self.pod([("a", [:])], spec: ["securityContext": ["runAsNonRoot": true]])).allowed)
        let root = Self.pod([("a", ["runAsUser": 0]), ("b", ["runAsUser": 1000])], spec: ["securityContext": ["runAsUser": 0]])
        #expect(result(PodSecurityChecks.runAsUser, root) == .forbidden("runAsUser=0", #"pod and container "a" must not set runAsUser=0"#))
        #expect(result(PodSecurityChecks.runAsUser, root, minor: 22).allowed)
    }
}
