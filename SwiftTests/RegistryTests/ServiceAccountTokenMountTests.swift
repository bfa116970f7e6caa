import APIMachinery
import Testing
@testable import Registry

@Suite struct ServiceAccountTokenMountTests {
    let path = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The volume and mount as `kubectl get pod -o json` shows them on a v1.32 cluster.
    @Test func addsUpstreamsProjectedVolumeAndAReadOnlyMountToEveryContainer() throws {
        var pod = try json(#"""
        {"metadata":{"name":"p"},"spec":{
          "initContainers":[{"name":"init","image":"busybox"}],
          "containers":[{"name":"a","image":"busybox"},
                        {"name":"b","image":"busybox","volumeMounts":[{"name":"data","mountPath":"/data"}]}],
          "volumes":[{"name":"data","emptyDir":{}}]}}
        """#)
        ServiceAccountTokenMount.mount(into: &pod, newVolumeName: "kube-api-access-abcde")
        let mount = try json(#"{"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount","name":"kube-api-access-abcde","readOnly":true}"#)
        #expect(pod[path: ["spec", "initContainers"]]?[0]?["volumeMounts"] == [mount])
        #expect(pod[path: ["spec", "containers"]]?[0]?["volumeMounts"] == [mount])
        #expect(pod[path: ["spec", "containers"]]?[1]?["volumeMounts"]?.array?.count == 2)
        #expect(pod[path: ["spec", "containers"]]?[1]?["volumeMounts"]?[1] == mount)
        let volume = try json(#"""
        {"name":"kube-api-access-abcde","projected":{"defaultMode":420,"sources":[
          {"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},
          {"configMap":{"items":[{"key":"ca.crt","path":"ca.crt"}],"name":"kube-root-ca.crt"}},
          {"downwardAPI":{"items":[{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"},"path":"namespace"}]}}]}}
        """#)
        #expect(pod[path: ["spec", "volumes"]] == [try json(#"{"name":"data","emptyDir":{}}"#), volume])
        // The admitted pod is a valid pod.
        var full = pod
        full["spec"]?["serviceAccountName"] = "default"
        let s = PodStrategy(info: try resource("pods"))
        s.applyDefaults(&full)
        #expect(s.validate(full).isEmpty)
    }

    @Test func containersThatMountThePathThemselvesAreLeftAlone() throws {
        var pod = try json(#"""
        {"spec":{"containers":[{"name":"a","image":"x","volumeMounts":[{"name":"own","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}]}],
                 "volumes":[{"name":"own","secret":{"secretName":"s"}}]}}
        """#)
        let before = pod
        ServiceAccountTokenMount.mount(into: &pod, newVolumeName: "kube-api-access-zzzzz")
        #expect(pod == before)
    }

    @Test func anExistingTokenVolumeIsReusedAndNamesDoNotCollide() throws {
        var pod = try json(#"""
        {"spec":{"containers":[{"name":"a","image":"x"}],"volumes":[{"name":"kube-api-access-old12","projected":{"sources":[]}}]}}
        """#)
        ServiceAccountTokenMount.mount(into: &pod, newVolumeName: "kube-api-access-new34")
        #expect(pod[path: ["spec", "volumes"]]?.array?.count == 1)
        #expect(pod[path: ["spec", "containers"]]?[0]?["volumeMounts"]?[0]?["name"] == "kube-api-access-old12")

        var taken = try json(#"{"spec":{"containers":[{"name":"a","image":"x"}],"volumes":[{"name":"x1","emptyDir":{}}]}}"#)
        var names = ["x1", "x2"].makeIterator()
        ServiceAccountTokenMount.mount(into: &taken, newVolumeName: names.next()!)
        #expect(taken[path: ["spec", "volumes"]]?[1]?["name"] == "x2")
    }

    @Test func thePodsChoiceWinsThenTheAccounts() throws {
        let podSays = { (v: Bool?) -> JSON in v.map { ["spec": ["automountServiceAccountToken": .bool($0)]] } ?? ["spec": [:]] }
        let saSays = { (v: Bool?) -> JSON in v.map { ["automountServiceAccountToken": .bool($0)] } ?? [:] }
        #expect(ServiceAccountTokenMount.shouldAutomount(pod: podSays(nil), serviceAccount: saSays(nil)))
        #expect(!ServiceAccountTokenMount.shouldAutomount(pod: podSays(nil), serviceAccount: saSays(false)))
        #expect(ServiceAccountTokenMount.shouldAutomount(pod: podSays(true), serviceAccount: saSays(false)))
        #expect(!ServiceAccountTokenMount.shouldAutomount(pod: podSays(false), serviceAccount: saSays(true)))
        #expect(ServiceAccountTokenMount.isMirrorPod(["metadata": ["annotations": ["kubernetes.io/config.mirror": "x"]]]))
    }
}
