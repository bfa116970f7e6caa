import APIMachinery
import Testing
@testable import Registry

@Suite("PodSecurity namespace labels")
struct PodSecurityPolicyTests {
    static func labels(_ kv: [String: String]) -> [String: String] {
        var out = ["other-label": "x"]
        for (k, v) in kv { out["pod-security.kubernetes.io/" + k] = v }
        return out
    }

    @Test func levelsAndVersionsAreReadPerMode() {
        let (p, errors) = PodSecurityPolicy.from(labels: Self.labels([
            "enforce": "baseline", "enforce-version": "v1.20", "warn": "restricted", "warn-version": "v1.21",
            "audit": "restricted", "audit-version": "latest",
        ]))
        #expect(errors.isEmpty)
        #expect(p.enforce == PodSecurityLevelVersion(.baseline, .minor(20)))
        #expect(p.warn == PodSecurityLevelVersion(.restricted, .minor(21)))
        #expect(p.audit == PodSecurityLevelVersion(.restricted, .latest))
        #expect(p.enforce.description == "baseline:v1.20" && p.audit.description == "restricted:latest")
    }

    @Test func noLabelsIsPrivilegedEverywhere() {
        let (p, errors) = PodSecurityPolicy.from(labels: [:])
        #expect(errors.isEmpty && p.isFullyPrivileged)
    }

    /// Without a warn label, warn follows a stricter enforce (level, and version unless warn-version is set).
    @Test func warnFollowsAStricterEnforce() {
        #expect(PodSecurityPolicy.from(labels: Self.labels(["enforce": "restricted"])).policy.warn == PodSecurityLevelVersion(.restricted))
        #expect(PodSecurityPolicy.from(labels: Self.labels(["enforce": "baseline", "enforce-version": "v1.22"])).policy.warn
            == PodSecurityLevelVersion(.baseline, .minor(22)))
        #expect(PodSecurityPolicy.from(labels: Self.labels(["enforce": "baseline", "warn-version": "v1.23"])).policy.warn
            == PodSecurityLevelVersion(.baseline, .minor(23)))
        #expect(PodSecurityPolicy.from(labels: Self.labels(["enforce": "baseline", "warn": "privileged"])).policy.warn == .privileged)
    }

    @Test func badValuesFailClosedForEnforceAndOpenForTheOthers() {
        let (p, errors) = PodSecurityPolicy.from(labels: Self.labels(["enforce": "foo", "warn": "bar", "audit-version": "v1.01"]))
        #expect(p.enforce.level == .restricted)
        #expect(p.warn.level == .privileged)
        #expect(p.audit.version == .latest)
        #expect(errors.map(\.message) == [
            #"metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of privileged, baseline, restricted"#,
            #"metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "v1.01": must be "latest" or "v1.x""#,
            #"metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "bar": must be one of privileged, baseline, restricted"#,
        ])
    }

    @Test func versionsParseAsUpstreams() {
        for (text, v) in [("latest", PodSecurityVersion.latest), ("v1.0", .minor(0)), ("v1.20", .minor(20)), ("v1.10000", .minor(10000))] {
            #expect(PodSecurityVersion(parsing: text) == v, "\(text)")
        }
        for text in ["foo", "", "v2.0", "v1", "1.1", "v1.01", "v1.", "v1.-1", "v1.+2"] {
            #expect(PodSecurityVersion(parsing: text) == nil, "\(text)")
        }
    }
}
