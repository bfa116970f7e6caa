import Testing
@testable import APIMachinery

@Suite("VolumeMatching")
struct VolumeMatchingTests {
    static func volume(_ name: String, _ size: String, modes: [String] = ["ReadWriteOnce"], class cls: String = "",
                       phase: String = "Available", mode: String = "Filesystem", labels: [String: String] = [:], claimRef: JSON? = nil) -> JSON {
        var v: JSON = ["metadata": ["name": .string(name), "labels": .from(labels)],
                       "spec": ["capacity": ["storage": .string(size)], "accessModes": .array(modes.map(JSON.string)),
                                "storageClassName": .string(cls), "volumeMode": .string(mode)],
                       "status": ["phase": .string(phase)]]
        if let claimRef { v[path: ["spec", "claimRef"]] = claimRef }
        return v
    }

    static func claim(_ size: String, modes: [String] = ["ReadWriteOnce"], class cls: String = "", mode: String = "Filesystem",
                      selector: JSON? = nil) -> JSON {
        var c: JSON = ["metadata": ["name": "c", "namespace": "ns", "uid": "u1"],
                       "spec": ["resources": ["requests": ["storage": .string(size)]], "accessModes": .array(modes.map(JSON.string)),
                                "storageClassName": .string(cls), "volumeMode": .string(mode)]]
        if let selector { c[path: ["spec", "selector"]] = selector }
        return c
    }

    static func name(_ v: JSON?) -> String? { v?[path: ["metadata", "name"]]?.string }

    @Test func theSmallestLargeEnoughVolumeOfTheClassWins() {
        let volumes = [Self.volume("huge", "100Gi"), Self.volume("fits", "2Gi"), Self.volume("small", "1Mi"),
                       Self.volume("classy", "2Gi", class: "fast"), Self.volume("block", "2Gi", mode: "Block"),
                       Self.volume("bound", "1500Mi", phase: "Bound", claimRef: ["name": "x", "namespace": "ns", "uid": "u9"])]
        #expect(Self.name(VolumeMatching.bestMatch(for: Self.claim("1Gi"), in: volumes, delayBinding: false)) == "fits")
        #expect(Self.name(VolumeMatching.bestMatch(for: Self.claim("1Gi", class: "fast"), in: volumes, delayBinding: false)) == "classy")
        #expect(Self.name(VolumeMatching.bestMatch(for: Self.claim("1Gi", mode: "Block"), in: volumes, delayBinding: false)) == "block")
        #expect(VolumeMatching.bestMatch(for: Self.claim("1Ti"), in: volumes, delayBinding: false) == nil)
    }

    @Test func accessModesPreferTheNarrowestVolumeThatHasThemAll() {
        let volumes = [Self.volume("wide", "1Gi", modes: ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"]),
                       Self.volume("narrow", "5Gi", modes: ["ReadWriteOnce"]),
                       Self.volume("rox", "1Gi", modes: ["ReadOnlyMany"])]
        // The narrower mode set wins even though its volume is larger.
        #expect(Self.name(VolumeMatching.bestMatch(for: Self.claim("1Gi"), in: volumes, delayBinding: false)) == "narrow")
        #expect(Self.name(VolumeMatching.bestMatch(for: Self.claim("1Gi", modes: ["ReadWriteMany"]), in: volumes, delayBinding: false)) == "wide")
    }

    @Test func selectorsAndPrebindingAndDelayedBinding() {
        let prebound = Self.volume("mine", "1Gi", phase: "Available", claimRef: ["name": "c", "namespace": "ns"])
        let labelled = Self.volume("gold", "1Gi", labels: ["tier": "gold"])
        let plain = Self.volume("plain", "1Gi")
        let gold = Self.claim("1Gi", selector: ["matchLabels": ["tier": "gold"]])
        #expect(Self.name(VolumeMatching.bestMatch(for: gold, in: [plain, labelled], delayBinding: false)) == "gold")
        #expect(Self.name(VolumeMatching.bestMatch(for: Self.claim("1Gi"), in: [plain, prebound], delayBinding: false)) == "mine")
        // WaitForFirstConsumer without a node: only the pre-bound volume is the binder's to take.
        #expect(VolumeMatching.bestMatch(for: Self.claim("1Gi"), in: [plain], delayBinding: true) == nil)
        #expect(Self.name(VolumeMatching.bestMatch(for: Self.claim("1Gi"), in: [plain, prebound], delayBinding: true)) == "mine")
        // With a node: its affinity decides.
        #expect(VolumeMatching.bestMatch(for: Self.claim("1Gi"), in: [plain], delayBinding: true, nodeAffinity: { _ in false }) == nil)
        #expect(Self.name(VolumeMatching.bestMatch(for: Self.claim("1Gi"), in: [plain], delayBinding: true, nodeAffinity: { _ in true })) == "plain")
    }
}
