import APIMachinery
import Testing
@testable import Registry

@Suite("PodSecurity evaluation")
struct PodSecurityEvaluatorTests {
    typealias Fixtures = PodSecurityChecksTests

    /// A plain `kubectl run` pod fails restricted exactly as upstream words it, baseline checks first.
    @Test func restrictedMessageForAPlainPod() throws {
        let v = try #require(PodSecurityEvaluator.shared.violations(PodSecurityLevelVersion(.restricted), Fixtures.pod([("c", [:])])))
        #expect(v.detail == #"allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#)
        #expect(v.reasons == "allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile")
        #expect(PodSecurityEvaluator.shared.violations(PodSecurityLevelVersion(.baseline), Fixtures.pod([("c", [:])])) == nil)
    }

    /// Restricted reports a problem once: its checks replace the baseline ones they tighten.
    @Test func restrictedOverridesTheBaselineChecksItTightens() throws {
        var pod = Fixtures.pod([("c", ["privileged": true, "capabilities": ["add": ["SYS_ADMIN"]], "seccompProfile": ["type": "Unconfined"]])],
                               spec: ["hostNetwork": true])
        pod.spec["volumes"] = [["name": "root", "hostPath": ["path": "/"]]]
        let baseline = try #require(PodSecurityEvaluator.shared.violations(PodSecurityLevelVersion(.baseline), pod))
        #expect(baseline.reasons == "non-default capabilities, host namespaces, hostPath volumes, privileged, seccompProfile")
        let restricted = try #require(PodSecurityEvaluator.shared.violations(PodSecurityLevelVersion(.restricted), pod))
        #expect(restricted.reasons == "host namespaces, privileged, allowPrivilegeEscalation != false, unrestricted capabilities, restricted volume types, runAsNonRoot != true, seccompProfile")
    }

    @Test func aCompliantPodPassesEveryLevelAndPrivilegedChecksNothing() {
        let ok = Fixtures.pod([("c", Fixtures.restrictedContext)])
        for level in PodSecurityLevel.allCases {
            #expect(PodSecurityEvaluator.shared.violations(PodSecurityLevelVersion(level), ok) == nil)
        }
        let bad = Fixtures.pod([("c", ["privileged": true])])
        #expect(PodSecurityEvaluator.shared.evaluate(.privileged, bad).isEmpty)
    }

    /// An old version evaluates the rules of its time; a future one evaluates as latest.
    @Test func versionsSelectTheRulesOfTheirRelease() {
        var context = Fixtures.restrictedContext
        context["runAsUser"] = 0
        let root = Fixtures.pod([("c", context)])
        #expect(PodSecurityEvaluator.shared.violations(PodSecurityLevelVersion(.restricted, .minor(22)), root) == nil)
        #expect(PodSecurityEvaluator.shared.violations(PodSecurityLevelVersion(.restricted, .minor(23)), root)?.reasons == "runAsUser=0")
        #expect(PodSecurityEvaluator.shared.violations(PodSecurityLevelVersion(.restricted, .minor(99)), root)?.reasons == "runAsUser=0")
    }

    @Test func workloadTemplatesAreFoundWhereEachKindKeepsThem() throws {
        let template: JSON = ["metadata": ["annotations": ["a": "b"]], "spec": ["containers": [["name": "c"]]]]
        let cron: JSON = ["spec": ["jobTemplate": ["spec": ["template": template]]]]
        #expect(PodSecurityTargets.template(group: "batch", resource: "cronjobs", cron)?.annotations == ["a": "b"])
        #expect(PodSecurityTargets.template(group: "", resource: "podtemplates", ["template": template]) != nil)
        #expect(PodSecurityTargets.template(group: "apps", resource: "deployments", ["spec": ["template": template]])?.spec == template["spec"])
        #expect(PodSecurityTargets.template(group: "apps", resource: "deployments", ["spec": [:]]) == nil)
        #expect(PodSecurityTargets.template(group: "", resource: "configmaps", ["spec": ["template": template]]) == nil)
    }

    @Test func onlyImageAndContainerChangesAreSignificantPodUpdates() {
        let old: JSON = ["metadata": ["labels": ["a": "1"]], "spec": ["containers": [["name": "c", "image": "nginx:1"]]]]
        var relabelled = old
        relabelled[path: ["metadata", "labels"]] = ["a": "2"]
        #expect(!PodSecurityTargets.isSignificantPodUpdate(relabelled, old: old))
        var reimaged = old
        reimaged[path: ["spec", "containers"]] = [["name": "c", "image": "nginx:2"]]
        #expect(PodSecurityTargets.isSignificantPodUpdate(reimaged, old: old))
        var debugged = old
        debugged[path: ["spec", "ephemeralContainers"]] = [["name": "debug", "image": "busybox"]]
        #expect(PodSecurityTargets.isSignificantPodUpdate(debugged, old: old))
    }

    @Test func tighteningEnforceReviewsExistingPodsGroupedByReasons() {
        func pod(_ name: String, _ sc: JSON) -> JSON {
            ["metadata": ["name": .string(name)], "spec": ["containers": [["name": "c", "securityContext": sc]]]]
        }
        let pods = [pod("web-2", ["privileged": true]), pod("web-1", ["privileged": true]), pod("web-3", ["privileged": true]),
                    pod("db", ["privileged": true, "procMount": "Unmasked"]), pod("ok", [:])]
        #expect(PodSecurityNamespaceReview.warnings(namespace: "ns", enforce: PodSecurityLevelVersion(.baseline), pods: pods) == [
            #"existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:latest""#,
            "db: privileged, procMount",
            "web-1 (and 2 other pods): privileged",
        ])
        #expect(PodSecurityNamespaceReview.warnings(namespace: "ns", enforce: PodSecurityLevelVersion(.baseline), pods: [pod("ok", [:])]).isEmpty)
        let base = PodSecurityPolicy()
        var strict = base
        strict.enforce = PodSecurityLevelVersion(.restricted)
        #expect(PodSecurityNamespaceReview.isNeeded(old: base, new: strict))
        #expect(!PodSecurityNamespaceReview.isNeeded(old: strict, new: strict))
        #expect(!PodSecurityNamespaceReview.isNeeded(old: strict, new: base))
    }
}
