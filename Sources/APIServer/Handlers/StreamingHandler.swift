import APIMachinery
import AsyncHTTPClient
import Foundation
import KubeStreaming
import NIOCore

/// `pods/log`, `pods/exec`, `pods/attach`, `pods/portforward`: the pod's node's kubelet serves them, and
/// the API server checks the request as upstream's `LogLocation`/`streamLocation` do, then streams the
/// kubelet's answer back. exec, attach and portforward arrive as WebSocket upgrades (`StreamUpgrade`);
/// what reaches this handler instead is a request that did not upgrade (kubectl's SPDY fallback, or a
/// refused upgrade), which gets the check's error or a 400 saying WebSocket is required.
extension APIHandler {
    func streamingSubresource(_ ctx: RequestContext, name: String, subresource: String) async throws -> APIResponse {
        switch subresource {
        case "log":
            return try await podLog(ctx, name: name)
        case "exec", "attach", "portforward":
            _ = try await streamTarget(namespace: ctx.ri.namespace ?? "default", pod: name, subresource: subresource, query: ctx.request.query)
            throw APIError.badRequest("Skiff serves \(subresource) over WebSocket only (\(subresource == "portforward" ? StreamProtocol.portForwardTunnel : StreamProtocol.v5)); this request asked for SPDY. Use kubectl 1.31 or newer")
        default:
            let pod = try await ctx.store.get(namespace: ctx.namespace, name: name)
            if (pod[path: ["spec", "nodeName"]]?.string ?? "").isEmpty {
                throw APIError.badRequest("pod \(name) does not have a host assigned")
            }
            throw APIError.badRequest("the pod proxy subresource is not served by Skiff")
        }
    }

    // MARK: Checks

    /// The container a request addresses: the `container` parameter, or the pod's only container
    /// (upstream's messages when that is ambiguous or wrong).
    func container(of pod: JSON, podName: String, requested: String?) throws(APIError) -> String {
        let containers = (pod[path: ["spec", "containers"]]?.array ?? []).compactMap { $0["name"]?.string }
        let inits = (pod[path: ["spec", "initContainers"]]?.array ?? []).compactMap { $0["name"]?.string }
        let ephemeral = (pod[path: ["spec", "ephemeralContainers"]]?.array ?? []).compactMap { $0["name"]?.string }
        guard let requested, !requested.isEmpty else {
            if containers.count == 1 { return containers[0] }
            var message = "a container name must be specified for pod \(podName), choose one of: [\(containers.joined(separator: " "))]"
            if !inits.isEmpty { message += " or one of the init containers: [\(inits.joined(separator: " "))]" }
            throw APIError.badRequest(message)
        }
        guard (containers + inits + ephemeral).contains(requested) else {
            throw APIError.badRequest("container \(requested) is not valid for pod \(podName)")
        }
        return requested
    }

    /// The kubelet of a node.
    func kubelet(node nodeName: String) async throws -> KubeletLocation {
        guard let nodes = store("", "nodes") else { throw APIError.internalError("no node store") }
        let node: JSON
        do {
            node = try await nodes.get(namespace: nil, name: nodeName)
        } catch let e as APIError where e.code == 404 {
            throw APIError.badRequest("node \"\(nodeName)\" of the pod is not registered")
        }
        return try kubeletConnector.location(of: node)
    }

    /// For exec, attach and portforward: the kubelet path (with query) and its location, or the error.
    func streamTarget(namespace: String, pod name: String, subresource: String, query: QueryParameters) async throws -> (KubeletLocation, String) {
        guard let pods = store("", "pods") else { throw APIError.internalError("no pod store") }
        let pod = try await pods.get(namespace: namespace, name: name)
        let nodeName = pod[path: ["spec", "nodeName"]]?.string ?? ""
        let container = subresource == "portforward" ? "" : try container(of: pod, podName: name, requested: query["container"])
        if nodeName.isEmpty {
            throw APIError.badRequest("pod \(name) does not have a host assigned")
        }
        if subresource != "portforward", let phase = pod[path: ["status", "phase"]]?.string, phase == "Succeeded" || phase == "Failed" {
            throw APIError.badRequest("cannot \(subresource == "exec" ? "exec into" : "attach to") a container in a completed pod; current phase is \(phase)")
        }
        let location = try await kubelet(node: nodeName)
        let enc = { (s: String) in s.addingPercentEncoding(withAllowedCharacters: .kubeletPathAllowed) ?? s }
        let path: String
        var params: [(String, String)] = []
        switch subresource {
        case "exec":
            path = "/exec/\(enc(namespace))/\(enc(name))/\(enc(container))"
            for c in query.all("command") { params.append(("command", c)) }
        case "attach":
            path = "/attach/\(enc(namespace))/\(enc(name))/\(enc(container))"
        default:
            path = "/portForward/\(enc(namespace))/\(enc(name))"
            for p in query.all("ports") { params.append(("ports", p)) }
        }
        for flag in ["stdin", "stdout", "stderr", "tty"] where query.bool(flag) { params.append((flag, "true")) }
        return (location, path + Self.encodeQuery(params))
    }

    static func encodeQuery(_ params: [(String, String)]) -> String {
        guard !params.isEmpty else { return "" }
        return "?" + params.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .kubeletQueryValueAllowed) ?? $0.1)" }.joined(separator: "&")
    }

    // MARK: Logs

    /// `pods/log`: the kubelet's `/containerLogs` answer, streamed as it comes (for `follow`, until the
    /// kubelet or kubectl ends it).
    func podLog(_ ctx: RequestContext, name: String) async throws -> APIResponse {
        let namespace = ctx.ri.namespace ?? "default"
        let q = ctx.request.query
        let pod = try await ctx.store.get(namespace: namespace, name: name)
        let container = try container(of: pod, podName: name, requested: q["container"])
        for key in ["tailLines", "limitBytes", "sinceSeconds"] {
            if let v = q[key], Int(v) == nil { throw APIError.badRequest("invalid \(key): \(v)") }
        }
        if let v = q["limitBytes"].flatMap(Int.init), v < 1 { throw APIError.badRequest("PodLogOptions \"\(name)\" is invalid: limitBytes: Invalid value: \(v): must be greater than 0") }
        if let v = q["sinceSeconds"].flatMap(Int.init), v < 1 { throw APIError.badRequest("PodLogOptions \"\(name)\" is invalid: sinceSeconds: Invalid value: \(v): must be greater than 0") }
        let nodeName = pod[path: ["spec", "nodeName"]]?.string ?? ""
        if nodeName.isEmpty {
            // Upstream: a pod without a host has no log yet, and the answer is empty.
            return APIResponse(status: 200, contentType: "text/plain", body: .data(Data()))
        }
        let location = try await kubelet(node: nodeName)
        var params: [(String, String)] = []
        for flag in ["follow", "previous", "timestamps"] where q.bool(flag) { params.append((flag, "true")) }
        for key in ["tailLines", "limitBytes", "sinceSeconds", "sinceTime"] { if let v = q[key] { params.append((key, v)) } }
        let enc = { (s: String) in s.addingPercentEncoding(withAllowedCharacters: .kubeletPathAllowed) ?? s }
        let url = location.url("/containerLogs/\(enc(namespace))/\(enc(name))/\(enc(container))" + Self.encodeQuery(params))

        var request = HTTPClientRequest(url: url)
        request.tlsConfiguration = kubeletConnector.tls
        let follow = q.bool("follow")
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, deadline: .now() + (follow ? .hours(24 * 365) : .minutes(5)))
        } catch {
            throw APIError.internalError("Get \"\(url)\": \(error)")
        }
        guard response.status.code == 200 else {
            let body = (try? await response.body.collect(upTo: 1 << 20)).map { Data(buffer: $0) } ?? Data()
            throw Self.kubeletError(status: Int(response.status.code), body: body)
        }
        let body = response.body
        let stream = AsyncThrowingStream<Data, Error> { continuation in
            let task = Task {
                do {
                    for try await chunk in body { continuation.yield(Data(buffer: chunk)) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
        return APIResponse(status: 200, contentType: "text/plain", headers: [("Transfer-Encoding", "chunked")], body: .stream(stream))
    }

    /// A kubelet's refusal as an API error: its `Status` as it is, or its text in a `Status`.
    static func kubeletError(status: Int, body: Data) -> APIError {
        if let json = try? JSON.parse(body), json["kind"]?.string == "Status", let message = json["message"]?.string {
            return APIError(code: Int(json["code"]?.int ?? Int64(status)), reason: json["reason"]?.string ?? "BadRequest",
                            message: message, details: json["details"])
        }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return APIError(code: status >= 500 ? 500 : status, reason: status >= 500 ? "InternalError" : "BadRequest",
                        message: text.isEmpty ? "the kubelet answered HTTP \(status)" : text)
    }
}

extension CharacterSet {
    /// Characters that stay as they are in one path segment of a kubelet URL.
    static let kubeletPathAllowed: CharacterSet = {
        var s = CharacterSet.urlPathAllowed
        s.remove(charactersIn: "/?#")
        return s
    }()

    /// Characters that stay as they are in a query value.
    static let kubeletQueryValueAllowed: CharacterSet = {
        var s = CharacterSet.urlQueryAllowed
        s.remove(charactersIn: "&=+#?")
        return s
    }()
}
