import APIMachinery

/// Upstream's generated defaulters for a `PodSpec` (`SetDefaults_PodSpec` and the nested container,
/// probe, volume and resource-list defaults), plus the pod-only `SetDefaults_Pod` and the v1↔internal
/// conversions whose effects clients see (`serviceAccount` mirrors `serviceAccountName`).
///
/// Deployments and replica sets share `applySpecDefaults` for their templates; only real pods get
/// `applyPodOnlyDefaults` (requests copied from limits, `enableServiceLinks`, host-network ports), as
/// upstream keeps those out of templates.
enum PodSpecDefaults {
    static func applySpecDefaults(_ spec: inout JSON) {
        // Conversion: v1's deprecated `serviceAccount` feeds an empty `serviceAccountName`, and the
        // output always mirrors the name back.
        if Semantic.isZeroValue(spec["serviceAccountName"]), let sa = spec["serviceAccount"]?.string, !sa.isEmpty {
            spec["serviceAccountName"] = .string(sa)
        }
        if let sa = spec["serviceAccountName"]?.string, !sa.isEmpty {
            spec["serviceAccount"] = .string(sa)
        }
        spec.defaultIfZero("dnsPolicy", "ClusterFirst")
        spec.defaultIfZero("restartPolicy", "Always")
        spec.defaultIfNil("securityContext", [:])
        spec.defaultIfNil("terminationGracePeriodSeconds", 30)
        spec.defaultIfZero("schedulerName", "default-scheduler")
        spec.editEach("volumes", applyVolumeDefaults)
        for key in ["initContainers", "containers", "ephemeralContainers"] {
            spec.editEach(key, applyContainerDefaults)
        }
        spec.editObject("overhead") { roundResourceList(&$0) }
    }

    static func applyPodOnlyDefaults(_ spec: inout JSON) {
        // Limits without requests: requests default to the limits (pods only, not templates).
        for key in ["containers", "initContainers"] {
            spec.editEach(key) { c in
                guard let limits = c["resources"]?["limits"]?.object, !limits.isEmpty else { return }
                var requests = c["resources"]?["requests"]?.object ?? [:]
                for (name, value) in limits where requests[name] == nil { requests[name] = value }
                c[path: ["resources", "requests"]] = .object(requests)
            }
        }
        spec.defaultIfNil("enableServiceLinks", true)
        if spec["hostNetwork"]?.bool == true {
            for key in ["containers", "initContainers"] {
                spec.editEach(key) { c in
                    c.editEach("ports") { p in
                        if Semantic.isZeroValue(p["hostPort"]) { p["hostPort"] = p["containerPort"] ?? 0 }
                    }
                }
            }
        }
    }

    static func applyContainerDefaults(_ c: inout JSON) {
        if Semantic.isZeroValue(c["imagePullPolicy"]) {
            c["imagePullPolicy"] = .string(defaultPullPolicy(for: c["image"]?.string ?? ""))
        }
        c.defaultIfZero("terminationMessagePath", "/dev/termination-log")
        c.defaultIfZero("terminationMessagePolicy", "File")
        c.editEach("ports") { $0.defaultIfZero("protocol", "TCP") }
        c.editEach("env") { e in
            e.editObject("valueFrom") { vf in vf.editObject("fieldRef") { $0.defaultIfZero("apiVersion", "v1") } }
        }
        // `resources` is a struct upstream, so it is always present in output.
        c.defaultIfNil("resources", [:])
        c.editObject("resources") { r in
            r.editObject("limits") { roundResourceList(&$0) }
            r.editObject("requests") { roundResourceList(&$0) }
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            c.editObject(probe) { p in
                p.defaultIfZero("timeoutSeconds", 1)
                p.defaultIfZero("periodSeconds", 10)
                p.defaultIfZero("successThreshold", 1)
                p.defaultIfZero("failureThreshold", 3)
                p.editObject("httpGet", applyHTTPGetDefaults)
                p.editObject("grpc") { $0.defaultIfNil("service", "") }
            }
        }
        c.editObject("lifecycle") { lc in
            for hook in ["postStart", "preStop"] {
                lc.editObject(hook) { $0.editObject("httpGet", applyHTTPGetDefaults) }
            }
        }
    }

    static func applyHTTPGetDefaults(_ h: inout JSON) {
        h.defaultIfZero("path", "/")
        h.defaultIfZero("scheme", "HTTP")
    }

    static func applyVolumeDefaults(_ v: inout JSON) {
        let hasSource = PodSpecValidation.volumeSources.contains { v.has($0.key) }
        if !hasSource { v["emptyDir"] = [:] }
        v.editObject("secret") { $0.defaultIfNil("defaultMode", 420) }
        v.editObject("configMap") { $0.defaultIfNil("defaultMode", 420) }
        v.editObject("downwardAPI") { d in
            d.defaultIfNil("defaultMode", 420)
            d.editEach("items") { $0.editObject("fieldRef") { $0.defaultIfZero("apiVersion", "v1") } }
        }
        v.editObject("projected") { p in
            p.defaultIfNil("defaultMode", 420)
            p.editEach("sources") { s in
                s.editObject("downwardAPI") { $0.editEach("items") { $0.editObject("fieldRef") { $0.defaultIfZero("apiVersion", "v1") } } }
                s.editObject("serviceAccountToken") { $0.defaultIfNil("expirationSeconds", 3600) }
            }
        }
        v.editObject("hostPath") { $0.defaultIfNil("type", "") }
        v.editObject("iscsi") { $0.defaultIfZero("iscsiInterface", "default") }
        v.editObject("rbd") { r in
            r.defaultIfZero("pool", "rbd")
            r.defaultIfZero("user", "admin")
            r.defaultIfZero("keyring", "/etc/ceph/keyring")
        }
        v.editObject("azureDisk") { a in
            a.defaultIfNil("cachingMode", "ReadWrite")
            a.defaultIfNil("fsType", "ext4")
            a.defaultIfNil("readOnly", false)
            a.defaultIfNil("kind", "Shared")
        }
        v.editObject("scaleIO") { s in
            s.defaultIfZero("storageMode", "ThinProvisioned")
            s.defaultIfZero("fsType", "xfs")
        }
        v.editObject("ephemeral") { e in
            e.editObject("volumeClaimTemplate") { t in t.editObject("spec") { $0.defaultIfNil("volumeMode", "Filesystem") } }
        }
    }

    /// `SetDefaults_ResourceList`: quantities rounded up to milli-units and written canonically.
    /// Values that do not parse are left for validation to report.
    static func roundResourceList(_ list: inout JSON) {
        guard var o = list.object else { return }
        for (k, v) in o {
            if let q = try? Quantity(json: v) { o[k] = .string(q.roundedUp(toScale: -3).description) }
        }
        list = .object(o)
    }

    /// Pod status conversion: `podIP`/`hostIP` and their plural lists mirror each other.
    static func applyStatusConversions(_ status: inout JSON) {
        for (single, plural) in [("podIP", "podIPs"), ("hostIP", "hostIPs")] {
            if Semantic.isZeroValue(status[plural]), let ip = status[single]?.string, !ip.isEmpty {
                status[plural] = [["ip": .string(ip)]]
            }
            if let first = status[plural]?.array?.first?["ip"]?.string {
                status[single] = .string(first)
            }
        }
    }
}
