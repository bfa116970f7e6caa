import Testing

@testable import APIServer

@Suite struct RequestInfoTests {
    @Test func parsesNamespacedSubresource() {
        let ri = RequestInfo(path: "/api/v1/namespaces/default/pods/nginx/status")
        #expect(ri?.group == "" && ri?.version == "v1")
        #expect(ri?.namespace == "default" && ri?.resource == "pods" && ri?.name == "nginx" && ri?.subresource == "status")
    }

    @Test func parsesGroupedCollection() {
        let ri = RequestInfo(path: "/apis/apps/v1/namespaces/kube-system/deployments")
        #expect(ri?.group == "apps" && ri?.resource == "deployments" && ri?.name == nil && ri?.namespace == "kube-system")
    }

    @Test func namespaceObjectIsClusterScoped() {
        let ri = RequestInfo(path: "/api/v1/namespaces/default")
        #expect(ri?.resource == "namespaces" && ri?.name == "default" && ri?.namespace == nil)
        let fin = RequestInfo(path: "/api/v1/namespaces/default/finalize")
        #expect(fin?.resource == "namespaces" && fin?.name == "default" && fin?.subresource == "finalize")
    }

    /// Percent-encoded segments decode (upstream's request info); plain ones take the fast path unchanged.
    @Test func percentEncodedSegmentsDecode() {
        let ri = RequestInfo(path: "/api/v1/namespaces/%64efault/configmaps/%70robe")
        #expect(ri?.namespace == "default" && ri?.resource == "configmaps" && ri?.name == "probe")
        let spaced = RequestInfo(path: "/api/v1/namespaces/default/configmaps/a%20b")
        #expect(spaced?.name == "a b")
        let q = QueryParameters("fieldManager=kubectl-client-side-apply&name=a%2Bb&limit=500")
        #expect(q["fieldManager"] == "kubectl-client-side-apply" && q["name"] == "a+b" && q["limit"] == "500")
    }

    @Test func allNamespacesList() {
        let ri = RequestInfo(path: "/api/v1/pods")
        #expect(ri?.resource == "pods" && ri?.namespace == nil && ri?.name == nil)
    }

    @Test func nonResourcePathsAreNil() {
        #expect(RequestInfo(path: "/version") == nil)
        #expect(RequestInfo(path: "/apis/apps") == nil)
        #expect(RequestInfo(path: "/healthz/ping") == nil)
    }

    @Test func queryDecodesPlusAndRepeats() {
        let q = QueryParameters("labelSelector=app+in+(a%2Cb)&command=ls&command=-l&watch=1")
        #expect(q["labelSelector"] == "app in (a,b)")
        #expect(q.all("command") == ["ls", "-l"])
        #expect(q.bool("watch"))
        #expect(!q.bool("missing"))
    }

    @Test func continueTokenRoundTrips() throws {
        let t = ContinueToken(revision: 42, startKey: "/registry/pods/default/b")
        let back = try ContinueToken(decoding: t.encoded)
        #expect(back == t)
        #expect(throws: (any Error).self) { try ContinueToken(decoding: "not-a-token") }
    }

    @Test func acceptNegotiation() {
        #expect(ResponseFormat.negotiate("application/json;as=Table;v=v1;g=meta.k8s.io,application/json") == .table(version: "v1"))
        #expect(ResponseFormat.negotiate("application/json") == .object)
        #expect(ResponseFormat.negotiate(nil) == .object)
        #expect(ResponseFormat.negotiate("application/json;as=Table;v=v2;g=meta.k8s.io,application/json") == .object)
    }
}
