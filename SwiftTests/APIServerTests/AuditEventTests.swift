import APIMachinery
import Foundation
import PKI
import Synchronization
import Testing

@testable import APIServer

/// Collects what the recorder would write.
final class CapturedAuditEvents: AuditSink {
    let events = Mutex<[AuditEvent]>([])
    func process(_ event: AuditEvent) { events.withLock { $0.append(event) } }
    var all: [AuditEvent] { events.withLock { $0 } }
}

/// The audit event of a request: its JSON line, and what the HTTP layer and the handlers fill in.
@Suite(.timeLimit(.minutes(1))) struct AuditEventTests {
    static let received = Date(timeIntervalSince1970: 1_796_630_400.5)  // 2026-12-07T08:00:00.5Z
    static let admin = AuthenticatedUser(name: "kubernetes-admin", groups: ["kubeadm:cluster-admins", AuthenticatedUser.allAuthenticated])

    /// The fields in upstream's order, empty optional ones left out, timestamps to the microsecond,
    /// `&` escaped as Go's encoder does.
    @Test func aLineHasUpstreamsShape() throws {
        var ref = AuditEvent.ObjectReference()
        ref.resource = "pods"
        ref.namespace = "default"
        ref.apiVersion = "v1"
        var status = AuditEvent.ResponseStatus(code: 403)
        status.status = "Failure"
        status.message = "pods is forbidden: User \"someone\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
        status.reason = "Forbidden"
        status.details = ["kind": "pods"]
        let event = AuditEvent(
            level: .metadata, auditID: "6c1aae46-9021-4957-8992-7a25390e8144", stage: .responseComplete,
            requestURI: "/api/v1/namespaces/default/pods?limit=500&watch=false", verb: "list", user: Self.admin,
            impersonatedUser: AuthenticatedUser(name: "someone", groups: [AuthenticatedUser.allAuthenticated]),
            sourceIPs: ["127.0.0.1"], userAgent: "kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9", objectRef: ref,
            responseStatus: status, requestObject: nil, responseObject: nil, requestReceivedTimestamp: Self.received,
            stageTimestamp: Self.received.addingTimeInterval(0.25),
            annotations: ["authorization.k8s.io/reason": "", "authorization.k8s.io/decision": "forbid"])
        let line = String(decoding: event.jsonLine(), as: UTF8.self)
        #expect(line == #"""
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"6c1aae46-9021-4957-8992-7a25390e8144","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods?limit=500\u0026watch=false","verb":"list","user":{"username":"kubernetes-admin","groups":["kubeadm:cluster-admins","system:authenticated"]},"impersonatedUser":{"username":"someone","groups":["system:authenticated"]},"sourceIPs":["127.0.0.1"],"userAgent":"kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9","objectRef":{"resource":"pods","namespace":"default","apiVersion":"v1"},"responseStatus":{"metadata":{},"status":"Failure","message":"pods is forbidden: User \"someone\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"kind":"pods"},"code":403},"requestReceivedTimestamp":"2026-12-07T08:00:00.500000Z","stageTimestamp":"2026-12-07T08:00:00.750000Z","annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}

            """#)
        // One object a line, which any JSON reader takes.
        let parsed = try JSON.parse(Data(line.utf8))
        #expect(parsed["requestURI"]?.string == "/api/v1/namespaces/default/pods?limit=500&watch=false")
    }

    /// A user who did not authenticate is `{}`; a success's status is only its code.
    @Test func emptyUserAndSuccessStatus() {
        let event = AuditEvent(
            level: .request, auditID: "a", stage: .responseStarted, requestURI: "/api", verb: "get", user: AuthenticatedUser(name: ""),
            impersonatedUser: nil, sourceIPs: [], userAgent: "", objectRef: nil, responseStatus: AuditEvent.ResponseStatus(code: 200),
            requestObject: nil, responseObject: nil, requestReceivedTimestamp: Self.received, stageTimestamp: Self.received, annotations: [:])
        #expect(String(decoding: event.jsonLine(), as: UTF8.self) == #"""
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a","stage":"ResponseStarted","requestURI":"/api","verb":"get","user":{},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-12-07T08:00:00.500000Z","stageTimestamp":"2026-12-07T08:00:00.500000Z"}

            """#)
    }

    func recorder(_ policy: String, sink: CapturedAuditEvents) throws -> AuditRecorder {
        let p = try AuditPolicy.decode(Data(("apiVersion: audit.k8s.io/v1\nkind: Policy\n" + policy).utf8))
        let clock = Mutex(Self.received)
        return AuditRecorder(checker: AuditPolicyChecker(p), sink: sink, now: {
            clock.withLock { $0 = $0.addingTimeInterval(0.001); return $0 }
        })
    }

    func arrival(_ method: String, _ uri: String, headers: [String: String] = [:]) -> AuditRecorder.Arrival {
        let parts = uri.split(separator: "?", maxSplits: 1).map(String.init)
        return AuditRecorder.Arrival(method: method, requestURI: uri, path: parts[0], query: QueryParameters(parts.count > 1 ? parts[1] : nil),
                                     headers: headers, remoteAddress: "10.0.0.9", auditID: "id-1", received: Self.received)
    }

    /// Sends a request through the API handler as the HTTP layer does: its event begins with the
    /// authenticated user, the handler adds the decision, impersonation and body, and it completes.
    func send(_ server: TestServer, _ recorder: AuditRecorder, _ method: String, _ uri: String, as user: AuthenticatedUser,
              body: JSON? = nil, headers: [String: String] = [:]) async -> (APIResponse, AuditContext?) {
        var h = ["content-type": "application/json", "user-agent": "kubectl/v1.32.0"]
        for (k, v) in headers { h[k] = v }
        let context = recorder.begin(arrival(method, uri, headers: h), user: user)
        context?.emit(.requestReceived)
        let parts = uri.split(separator: "?", maxSplits: 1).map(String.init)
        var request = APIRequest(method: method, path: parts[0], query: parts.count > 1 ? parts[1] : nil, headers: h,
                                 body: body?.serialized() ?? Data(), user: user.name)
        request.userInfo = user
        request.audit = context
        let response = await server.handler.handle(request)
        context?.responded(response)
        context?.completed()
        return (response, context)
    }

    @Test func anAllowedCreateRecordsTheObjectItNamedAndTheDecision() async throws {
        let server = try await TestServer()
        let sink = CapturedAuditEvents()
        let audit = try recorder("rules:\n- level: Metadata\n", sink: sink)
        let (response, _) = await send(server, audit, "POST", "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create",
                                       as: Self.admin, body: configMap("settings"), headers: ["x-forwarded-for": "192.168.1.7"])
        #expect(response.status == 201)
        let events = sink.all
        #expect(events.map(\.stage) == [.requestReceived, .responseComplete])
        let done = try #require(events.last)
        #expect(done.verb == "create")
        #expect(done.requestURI == "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create")
        #expect(done.user == Self.admin && done.impersonatedUser == nil)
        #expect(done.sourceIPs == ["192.168.1.7", "10.0.0.9"])
        #expect(done.userAgent == "kubectl/v1.32.0")
        // The name came from the body, as upstream's LogRequestObject fills it in.
        var ref = AuditEvent.ObjectReference()
        ref.resource = "configmaps"
        ref.namespace = "default"
        ref.name = "settings"
        ref.apiVersion = "v1"
        #expect(done.objectRef == ref)
        #expect(done.responseStatus == AuditEvent.ResponseStatus(code: 201))
        #expect(done.annotations["authorization.k8s.io/decision"] == "allow")
        #expect(done.annotations["authorization.k8s.io/reason"]?.hasPrefix("RBAC: allowed by ClusterRoleBinding \"kubeadm:cluster-admins\"") == true)
        // Metadata: no bodies.
        #expect(done.requestObject == nil && done.responseObject == nil)
        #expect(events[0].responseStatus == nil && events[0].stageTimestamp == Self.received)
        #expect(done.stageTimestamp > Self.received)
    }

    @Test func aForbiddenImpersonatedRequestRecordsBothUsersAndTheStatus() async throws {
        let server = try await TestServer()
        let sink = CapturedAuditEvents()
        let audit = try recorder("rules:\n- level: Metadata\n", sink: sink)
        let (response, _) = await send(server, audit, "GET", "/api/v1/namespaces/default/pods?limit=500", as: Self.admin,
                                       headers: ["impersonate-user": "someone"])
        #expect(response.status == 403)
        let done = try #require(sink.all.last)
        #expect(done.verb == "list")
        // The rule matched the authenticated user; the event names whom they acted as.
        #expect(done.user == Self.admin)
        #expect(done.impersonatedUser == AuthenticatedUser(name: "someone", groups: [AuthenticatedUser.allAuthenticated]))
        #expect(done.annotations == ["authorization.k8s.io/decision": "forbid", "authorization.k8s.io/reason": ""])
        var status = AuditEvent.ResponseStatus(code: 403)
        status.status = "Failure"
        status.reason = "Forbidden"
        status.message = #"pods is forbidden: User "someone" cannot list resource "pods" in API group "" in the namespace "default""#
        status.details = ["kind": "pods"]
        #expect(done.responseStatus == status)
    }

    @Test func requestAndResponseBodiesFollowTheLevel() async throws {
        let server = try await TestServer()
        let sink = CapturedAuditEvents()
        let audit = try recorder("""
            omitStages: [RequestReceived]
            omitManagedFields: true
            rules:
            - level: RequestResponse
              resources: [{group: "", resources: [configmaps]}]
            - level: Request
              resources: [{group: "", resources: [secrets]}]
            - level: None
            """, sink: sink)
        _ = await send(server, audit, "POST", "/api/v1/namespaces/default/configmaps", as: Self.admin, body: configMap("c", data: ["k": "v"]))
        _ = await send(server, audit, "POST", "/api/v1/namespaces/default/secrets", as: Self.admin,
                       body: ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "stringData": ["p": "w"]])
        _ = await send(server, audit, "GET", "/api/v1/namespaces/default/services", as: Self.admin)
        let events = sink.all
        // RequestReceived omitted; services not audited at all.
        #expect(events.map(\.stage) == [.responseComplete, .responseComplete])
        let cm = events[0]
        #expect(cm.requestObject?["data"] == ["k": "v"])
        #expect(cm.responseObject?[path: ["metadata", "name"]]?.string == "c")
        #expect(cm.responseObject?[path: ["metadata", "uid"]] != nil)
        // omitManagedFields: the stored object's managedFields are not in the log.
        #expect(cm.responseObject?[path: ["metadata", "managedFields"]] == nil)
        let secret = events[1]
        #expect(secret.level == .request)
        #expect(secret.requestObject?[path: ["metadata", "name"]]?.string == "s")
        #expect(secret.responseObject == nil)
    }

    /// Watches and other long-running requests also get `ResponseStarted`, when the answer starts.
    @Test func longRunningRequestsGetResponseStarted() throws {
        let sink = CapturedAuditEvents()
        let audit = try recorder("rules:\n- level: Metadata\n", sink: sink)
        let watch = try #require(audit.begin(arrival("GET", "/api/v1/namespaces/default/pods?watch=true"), user: Self.admin))
        #expect(watch.longRunning && watch.current.verb == "watch")
        watch.emit(.requestReceived)
        watch.responded(APIResponse(status: 200, body: .stream(AsyncThrowingStream { $0.finish() })))
        watch.completed()
        #expect(sink.all.map(\.stage) == [.requestReceived, .responseStarted, .responseComplete])
        #expect(sink.all.map { $0.responseStatus?.code } == [nil, 200, 200])
        for path in ["/api/v1/namespaces/d/pods/p/log", "/api/v1/namespaces/d/pods/p/exec", "/api/v1/namespaces/d/pods/p/portforward",
                     "/api/v1/namespaces/d/services/s/proxy"] {
            #expect(audit.begin(arrival("GET", path), user: Self.admin)?.longRunning == true, "\(path)")
        }
        #expect(audit.begin(arrival("GET", "/api/v1/namespaces/d/pods"), user: Self.admin)?.longRunning == false)
    }

    /// A request that did not authenticate: one event, with no user, at `ResponseStarted`.
    @Test func failedAuthenticationIsOneEvent() throws {
        let sink = CapturedAuditEvents()
        let audit = try recorder("rules:\n- level: Metadata\n", sink: sink)
        let context = try #require(audit.begin(arrival("GET", "/api/v1/pods"), user: nil))
        context.failedAuthentication(.error(.unauthorized()))
        let events = sink.all
        #expect(events.count == 1)
        #expect(events[0].stage == .responseStarted && events[0].user.name.isEmpty)
        #expect(events[0].responseStatus?.code == 401 && events[0].responseStatus?.reason == "Unauthorized")
    }

    @Test func sourceIPsAndUserAgents() {
        #expect(AuditRecorder.sourceIPs(headers: ["x-forwarded-for": "1.2.3.4, junk, ::1", "x-real-ip": "1.2.3.4"], remoteAddress: "127.0.0.1")
            == ["1.2.3.4", "::1", "127.0.0.1"])
        #expect(AuditRecorder.sourceIPs(headers: ["x-real-ip": "5.6.7.8"], remoteAddress: "5.6.7.8") == ["5.6.7.8"])
        let long = String(repeating: "a", count: 2000)
        #expect(AuditRecorder.truncatedUserAgent(long) == String(repeating: "a", count: 1024) + "...TRUNCATED")
        #expect(AuditRecorder.truncatedUserAgent("kubectl") == "kubectl")
    }
}
