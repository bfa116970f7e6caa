import APIMachinery
import APIServer
import Foundation

/// Sends ``APIRequestFuzzer``'s requests to an API handler in process (no sockets: the fuzzer is after the
/// server's parsing and admission, not HTTP) and judges every answer: a success, or a well-formed Status
/// with a 4xx code. Afterwards it checks the store as a model would: every object a list returns reads
/// back with the same resourceVersion.
public struct APIFuzzCampaign: Sendable {
    public struct Result: Sendable {
        public var requests = 0
        public var succeeded = 0
        public var refused = 0
        /// Answers that were neither a success nor a well-formed 4xx Status.
        public var badAnswers = 0
        /// 5xx answers among them.
        public var serverErrors = 0
        /// The first bad answers (at most 20), with the request that got them.
        public var examples: [String] = []
        /// What the consistency check found.
        public var inconsistencies: [String] = []
    }

    public var seed: UInt64
    public init(seed: UInt64 = 0x5eed_f022) { self.seed = seed }

    /// Sends `requests` requests to `handler`; `progress` is called every 10,000.
    public func run(_ handler: APIHandler, requests: Int, progress: (@Sendable (Int) -> Void)? = nil) async -> Result {
        var rng = FuzzRandom(seed: seed)
        var result = Result()
        // Objects to aim updates and patches at.
        for t in APIRequestFuzzer.targets { _ = await send(handler, "POST", t.collection, body: t.seed.serialized()) }
        for i in 0..<requests {
            let t = APIRequestFuzzer.targets[rng.below(APIRequestFuzzer.targets.count)]
            let name = t.seed[path: ["metadata", "name"]]?.string ?? "x"
            let request = APIRequestFuzzer.request(for: t, name: name, rng: &rng)
            let response = await handler.handle(request)
            result.requests += 1
            if let why = APIRequestFuzzer.problem(with: response) {
                result.badAnswers += 1
                if response.status >= 500 { result.serverErrors += 1 }
                if result.examples.count < 20 {
                    result.examples.append("#\(i) \(request.method) \(request.path)?\(request.query) [\(request.header("content-type") ?? "")] \(String(decoding: request.body.prefix(300), as: UTF8.self)) → \(why)")
                }
            } else if (200..<300).contains(response.status) {
                result.succeeded += 1
            } else {
                result.refused += 1
            }
            if (i + 1) % 10_000 == 0 { progress?(i + 1) }
        }
        result.inconsistencies = await inconsistencies(handler)
        return result
    }

    func send(_ handler: APIHandler, _ method: String, _ path: String, body: Data = Data()) async -> APIResponse {
        await handler.handle(APIRequest(method: method, path: path, query: nil,
                                        headers: ["Content-Type": "application/json", "User-Agent": "skiff-fuzz/1.0"], body: body))
    }

    /// Every object a list returns must read back with the same resourceVersion.
    func inconsistencies(_ handler: APIHandler) async -> [String] {
        var problems: [String] = []
        for t in APIRequestFuzzer.targets {
            let list = await send(handler, "GET", t.collection)
            guard list.status == 200, let items = list.json?["items"]?.array else {
                problems.append("list \(t.collection): \(list.status)")
                continue
            }
            for item in items {
                let name = item[path: ["metadata", "name"]]?.string ?? ""
                let got = await send(handler, "GET", t.collection + "/" + name)
                if got.status != 200 || got.json?[path: ["metadata", "resourceVersion"]] != item[path: ["metadata", "resourceVersion"]] {
                    problems.append("\(t.collection)/\(name): list and get disagree")
                }
            }
        }
        return problems
    }
}
