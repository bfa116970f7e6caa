import Testing

@testable import APIMachinery

/// `Semantic.equal` against upstream's `equality.Semantic.DeepEqual` of the decoded objects.
@Suite struct SemanticTests {
    /// Equalities.DeepEqual treats a nil and an empty slice or map as equal; an absent field is nil.
    @Test func nilAndEmptyAreEqual() {
        #expect(Semantic.equal(nil, []))
        #expect(Semantic.equal(.null, [:]))
        #expect(Semantic.equal(["labels": [:], "ports": []], [:]))
        #expect(Semantic.equal(["a": ["b": []]], ["a": .null]))
        #expect(!Semantic.equal(["ports": [1]], [:]))
    }

    /// Go zero values decode the same as an absent field (Controllers' old copy told `0` from absent, so a
    /// status holding `replicas: 0` looked changed against one that omits it).
    @Test func zeroValuesEqualAbsentFields() {
        #expect(Semantic.equal(["replicas": 0, "paused": false, "reason": ""], [:]))
        #expect(!Semantic.equal(["replicas": 1], [:]))
    }

    @Test func numbersCompareByValue() {
        #expect(Semantic.equal(["n": .int(1)], ["n": .double(1.0)]))
        #expect(!Semantic.equal(["n": .int(1)], ["n": .double(1.5)]))
    }

    /// Quantities compare by value where the schema has a Quantity, and as strings elsewhere (Registry's old
    /// copy compared every pair of quantity-like strings, so an env value "1" equalled "1.0").
    @Test func quantitiesCompareByValueOnlyInQuantityFields() {
        #expect(Semantic.equal(["resources": ["requests": ["cpu": "1"]]], ["resources": ["requests": ["cpu": "1000m"]]]))
        #expect(Semantic.equal(["limits": ["memory": "1Gi"]], ["limits": ["memory": .int(1_073_741_824)]]))
        #expect(Semantic.equal(["emptyDir": ["sizeLimit": "1k"]], ["emptyDir": ["sizeLimit": "1000"]]))
        #expect(!Semantic.equal(["requests": ["cpu": "1"]], ["requests": ["cpu": "2"]]))
        #expect(!Semantic.equal(["env": [["name": "A", "value": "1"]]], ["env": [["name": "A", "value": "1.0"]]]))
    }

    @Test func timesCompareByInstant() {
        #expect(Semantic.equal(["t": "2026-11-25T16:00:00+01:00"], ["t": "2026-11-25T15:00:00Z"]))
        #expect(!Semantic.equal(["t": "2026-11-25T15:00:01Z"], ["t": "2026-11-25T15:00:00Z"]))
    }
}
