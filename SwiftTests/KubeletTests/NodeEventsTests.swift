import APIMachinery
import Testing

@testable import Kubelet

struct NodeEventsTests {
    func status(_ pairs: [(String, String)]) -> JSON {
        ["conditions": .array(pairs.map { ["type": .string($0.0), "status": .string($0.1)] })]
    }

    @Test func aNewNodeReportsEveryConditionInOrder() {
        let now = status([("MemoryPressure", "False"), ("DiskPressure", "False"), ("PIDPressure", "False"), ("Ready", "True")])
        #expect(NodeEvents.transitions(from: nil, to: now)
                == ["NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID", "NodeReady"])
    }

    @Test func onlyChangedConditionsAreReported() {
        let before = status([("MemoryPressure", "False"), ("DiskPressure", "False"), ("Ready", "True")])
        #expect(NodeEvents.transitions(from: before, to: before).isEmpty)
        let notReady = status([("MemoryPressure", "True"), ("DiskPressure", "False"), ("Ready", "False")])
        #expect(NodeEvents.transitions(from: before, to: notReady) == ["NodeHasInsufficientMemory", "NodeNotReady"])
        // Unknown (set by the node lifecycle controller) has no kubelet reason; back to True is NodeReady.
        let unknown = status([("Ready", "Unknown")])
        #expect(NodeEvents.transitions(from: before, to: unknown).isEmpty)
        #expect(NodeEvents.transitions(from: unknown, to: status([("Ready", "True")])) == ["NodeReady"])
    }
}
