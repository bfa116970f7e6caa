import CRI
import Foundation
import Synchronization
import Testing

/// Exploratory: many concurrent calls on one client; counts calls that fail as UNAVAILABLE.
@Suite(.serialized, .enabled(if: ContainerdFixture.skipReason == nil && ProcessInfo.processInfo.environment["SKIFF_CRI_STRESS"] != nil))
struct CRIStressProbe {
    @Test func concurrentCallsOnOneConnection() async throws {
        try await ContainerdFixture.withContainerd { fixture in
            try await withCRIClient(endpoint: fixture.endpoint) { cri in
                let failures = Box<[String]>([])
                let calls = Box(0)
                await withTaskGroup(of: Void.self) { group in
                    for t in 0..<16 {
                        group.addTask {
                            for i in 0..<1200 {
                                do {
                                    if (t + i) % 3 == 0 {
                                        _ = try await cri.listContainers(Runtime_V1_ListContainersRequest())
                                    } else if (t + i) % 3 == 1 {
                                        _ = try await cri.version()
                                    } else {
                                        var r = Runtime_V1_ExecSyncRequest()
                                        r.containerID = "nope"
                                        _ = try await cri.execSync(r)
                                    }
                                } catch let e as CRIError where e.code == .unavailable {
                                    let n = calls.value.withLock { $0 }; failures.value.withLock { $0.append("\(n)") }
                                } catch {}
                                calls.value.withLock { $0 += 1 }
                            }
                        }
                    }
                }
                let f = failures.value.withLock { $0 }
                print("calls \(calls.value.withLock { $0 }), unavailable \(f.count) at call counts: \(f)")
                #expect(f.isEmpty)
            }
        }
    }
}

final class Box<T: Sendable>: Sendable {
    let value: Mutex<T>
    init(_ v: T) { value = Mutex(v) }
}
