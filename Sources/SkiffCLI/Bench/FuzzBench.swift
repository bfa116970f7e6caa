import APIServer
import ArgumentParser
import Foundation
import Fuzzing
import Logging
import Storage

/// `skiff bench fuzz`: the fuzzers' long run — API requests against an in-process API server over a fresh
/// in-memory store, then every other parser of outside input. Exits non-zero on any 5xx, badly formed
/// refusal, store inconsistency or parser problem; a crash ends the process, which is its own verdict.
struct FuzzBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz", abstract: "Fuzz the API server and every parser of outside input.")

    @Option(help: "API requests to send.") var apiInputs: Int = 1_000_000
    @Option(help: "Inputs per parser (yaml, kubeconfig, dns, spdy, websocket, cri-log, admission-review).") var parserInputs: Int = 100_000
    @Option(help: "Seed of the generators (a failure reproduces with the same seed).") var seed: UInt64 = 0x5eed_f022
    @Option(help: "Only these parsers (comma-separated); 'none' skips them.") var parsers: String?

    func run() async throws {
        var failed = false
        let started = ContinuousClock.now
        if apiInputs > 0 {
            // Quiet: a million refused requests would otherwise be a million log lines.
            var logger = Logger(label: "bench-fuzz")
            logger.logLevel = .critical
            let server = try APIServer(config: APIServerConfig(), store: try openStore(.memory), logger: logger)
            try await server.prepare()
            let result = await APIFuzzCampaign(seed: seed).run(server.handler, requests: apiInputs) { done in
                print("  api: \(done) requests…")
                fflush(nil)  // progress shows when the output goes to a file, as a long run's usually does
            }
            print("api: \(result.requests) requests, \(result.succeeded) succeeded, \(result.refused) refused with a 4xx Status, "
                + "\(result.serverErrors) 5xx, \(result.badAnswers) bad answers, \(result.inconsistencies.count) inconsistencies "
                + "(\(ContinuousClock.now - started))")
            for example in result.examples { print("  " + example.prefix(600)) }
            for problem in result.inconsistencies { print("  inconsistent: " + problem) }
            failed = failed || result.badAnswers > 0 || !result.inconsistencies.isEmpty
        }
        let all: [any ParserFuzzTarget] = [YAMLTarget(), KubeconfigTarget(), DNSMessageTarget(), SPDYFrameTarget(),
                                           WebSocketFrameTarget(), CRILogLineTarget(), AdmissionReviewTarget()]
        let chosen = parsers.map { Set($0.split(separator: ",").map(String.init)) }
        for target in all where parserInputs > 0 && (chosen?.contains(target.name) ?? true) {
            let t0 = ContinuousClock.now
            let result = ParserFuzzCampaign(seed: seed).run(target, inputs: parserInputs)
            print("\(target.name): \(result.inputs) inputs, \(result.accepted) accepted, \(result.inputs - result.accepted - result.problemCount) refused, "
                + "\(result.problemCount) problems (\(ContinuousClock.now - t0))")
            if let slowest = result.slowest {
                print("  slowest input: \(slowest.duration), \(slowest.input.count) bytes: \(String(decoding: slowest.input.prefix(300), as: UTF8.self).debugDescription)")
            }
            for p in result.problems { print("  \(p.problem): \(p.input.prefix(200).map { String(format: "%02x", $0) }.joined())") }
            failed = failed || result.problemCount > 0
        }
        print("crashes: 0 (the process ran to the end)")
        if failed { throw ExitCode.failure }
    }
}
