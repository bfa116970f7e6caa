import APIMachinery
import Foundation
import Logging
import Storage

@testable import APIServer

/// An API handler over a fresh in-memory store, bootstrapped like a real server; no sockets.
struct TestServer {
    let handler: APIHandler

    /// `store`: the backing store, when a test looks at what is stored (nil: a fresh in-memory one).
    init(config: APIServerConfig = APIServerConfig(), store: (any KeyValueStore)? = nil) async throws {
        let store = try store ?? openStore(.memory)
        handler = try APIHandler(config: config, store: store, logger: Logger(label: "test"))
        try await handler.restoreAllocations()
        try await handler.bootstrap()
    }

    @discardableResult
    func send(_ method: String, _ path: String, query: String? = nil, body: JSON? = nil,
              contentType: String = "application/json", accept: String? = nil) async -> APIResponse {
        var headers = ["Content-Type": contentType, "User-Agent": "skiff-tests/1.0"]
        if let accept { headers["Accept"] = accept }
        return await handler.handle(APIRequest(method: method, path: path, query: query, headers: headers, body: body?.serialized() ?? Data()))
    }

    /// Reads every line of a streamed response until `count` lines arrived.
    func lines(_ response: APIResponse, count: Int) async throws -> [JSON] {
        guard case .stream(let stream) = response.body else { return [] }
        var out: [JSON] = []
        for try await chunk in stream {
            for line in chunk.split(separator: 0x0A) where !line.isEmpty {
                out.append(try JSON.parse(Data(line)))
            }
            if out.count >= count { break }
        }
        return out
    }
}

func configMap(_ name: String, labels: [String: String] = [:], data: [String: String] = [:]) -> JSON {
    ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "labels": .from(labels)], "data": .from(data)]
}

func pod(_ name: String, node: String? = nil) -> JSON {
    var p: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
                   "spec": ["containers": [["name": "c", "image": "nginx:alpine"]]]]
    if let node { p[path: ["spec", "nodeName"]] = .string(node) }
    return p
}
