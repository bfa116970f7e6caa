import PKI
import Testing

@testable import APIServer

@Suite struct InflightLimiterTests {
    let kubectlUser = AuthenticatedUser(name: "kubernetes-admin", groups: ["kubeadm:cluster-admins", "system:authenticated"])
    let podAccount = AuthenticatedUser(name: "system:serviceaccount:default:flood", groups: ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"])

    @Test func theClustersOwnTrafficIsExempt() {
        let own = [
            AuthenticatedUser(name: "system:node:n1", groups: ["system:nodes", "system:authenticated"]),
            AuthenticatedUser(name: "system:kube-scheduler", groups: ["system:authenticated"]),
            AuthenticatedUser(name: "system:kube-controller-manager", groups: ["system:authenticated"]),
            AuthenticatedUser(name: "system:kube-proxy", groups: ["system:authenticated"]),
            AuthenticatedUser(name: "system:serviceaccount:kube-system:coredns", groups: ["system:authenticated"]),
            AuthenticatedUser(name: "kube-apiserver-kubelet-client", groups: ["system:masters", "system:authenticated"]),
        ]
        for user in own {
            #expect(RequestLane.of(method: "PUT", path: "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler", watch: false, user: user) == .exempt, "\(user)")
        }
        // Probes carry no credentials and must answer under any load.
        #expect(RequestLane.of(method: "GET", path: "/readyz", watch: false, user: .anonymous) == .exempt)
        // A plain-HTTP server's requests are the administrator's.
        #expect(RequestLane.of(method: "POST", path: "/api/v1/namespaces/default/pods", watch: false, user: nil) == .exempt)
    }

    @Test func everyoneElseDrawsOnTheReadOrTheWriteBudget() {
        for user in [kubectlUser, podAccount, AuthenticatedUser.anonymous] {
            #expect(RequestLane.of(method: "GET", path: "/api/v1/namespaces/default/pods", watch: false, user: user) == .readOnly)
            #expect(RequestLane.of(method: "GET", path: "/version", watch: false, user: user) == .readOnly)
            for method in ["POST", "PUT", "PATCH", "DELETE"] {
                #expect(RequestLane.of(method: method, path: "/api/v1/namespaces/default/configmaps/x", watch: false, user: user) == .mutating)
            }
        }
        // A kube-system service account is the cluster's; one of another namespace is not.
        let other = AuthenticatedUser(name: "system:serviceaccount:kube-systemx:a", groups: ["system:authenticated"])
        #expect(RequestLane.of(method: "GET", path: "/api/v1/pods", watch: false, user: other) == .readOnly)
    }

    @Test func longRunningRequestsAreCountedInNeitherBudget() {
        let paths = [
            "/api/v1/namespaces/default/pods/p/exec", "/api/v1/namespaces/default/pods/p/attach",
            "/api/v1/namespaces/default/pods/p/portforward", "/api/v1/namespaces/default/pods/p/log",
            "/api/v1/namespaces/default/pods/p/proxy", "/api/v1/namespaces/default/services/s/proxy",
            "/api/v1/watch/namespaces/default/pods", "/apis/apps/v1/watch/deployments",
        ]
        for path in paths {
            #expect(RequestLane.of(method: "GET", path: path, watch: false, user: podAccount) == .longRunning, "\(path)")
        }
        #expect(RequestLane.of(method: "GET", path: "/api/v1/pods", watch: true, user: podAccount) == .longRunning)
    }

    @Test func aFullBudgetTurnsAwayOnlyItsOwnLane() {
        let limiter = InflightLimiter(limits: InflightLimits(readOnly: 2, mutating: 1))
        #expect(limiter.admit(.readOnly) && limiter.admit(.readOnly))
        #expect(!limiter.admit(.readOnly))
        #expect(limiter.admit(.mutating))
        #expect(!limiter.admit(.mutating))
        // The exempt and long-running lanes get in whatever the budgets hold.
        #expect(limiter.admit(.exempt) && limiter.admit(.longRunning))
        #expect(limiter.inFlight == (2, 1))
        limiter.release(.readOnly)
        #expect(limiter.admit(.readOnly))
        limiter.release(.mutating)
        #expect(limiter.admit(.mutating))
        limiter.release(.exempt)
        #expect(limiter.inFlight == (2, 1))
    }

    @Test func zeroLiftsALimit() {
        let limiter = InflightLimiter(limits: InflightLimits(readOnly: 0, mutating: 0))
        for _ in 0..<1000 { #expect(limiter.admit(.readOnly) && limiter.admit(.mutating)) }
        #expect(limiter.inFlight == (1000, 1000))
    }

    @Test func theRefusalIsUpstreamsTooManyRequestsStatus() throws {
        let r = APIResponse.error(.tooManyRequests())
        #expect(r.status == 429)
        #expect(r.headers.contains { $0.0 == "Retry-After" && $0.1 == "1" })
        let status = try #require(r.json)
        #expect(status["reason"] == "TooManyRequests")
        #expect(status["message"] == "Too many requests, please try again later.")
        #expect(status[path: ["details", "retryAfterSeconds"]] == 1)
    }
}
