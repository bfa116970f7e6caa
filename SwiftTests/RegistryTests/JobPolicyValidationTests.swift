import APIMachinery
import Testing
@testable import Registry

/// A Job's per-index limits, pod failure policy and success policy are refused with upstream's
/// (v1.32 `pkg/apis/batch/validation`) field paths and messages.
@Suite struct JobPolicyValidationTests {
    let strategy: JobStrategy

    init() throws {
        strategy = JobStrategy(info: try #require(Catalog.resources.first { $0.group == "batch" && $0.resource == "jobs" }))
    }

    /// A defaulted, created Job whose spec has `extra` merged in.
    func job(_ extra: String, name: String = "j") throws -> JSON {
        var object = try json(#"{"metadata":{"name":"\#(name)","uid":"u"},"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox"}],"restartPolicy":"Never"}}}}"#)
        for (key, value) in try json(extra).object ?? [:] { object[path: ["spec", key]] = value }
        return created(object, strategy)
    }

    func errors(_ extra: String, name: String = "j") throws -> [String] {
        messages(strategy.validate(try job(extra, name: name)))
    }

    @Test func aValidIndexedJobWithEveryPolicyPasses() throws {
        let spec = #"""
        {"completionMode":"Indexed","completions":5,"parallelism":2,"backoffLimitPerIndex":1,"maxFailedIndexes":2,
         "podFailurePolicy":{"rules":[{"action":"FailIndex","onExitCodes":{"containerName":"main","operator":"In","values":[1,42]}},
                                      {"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget"}]}]},
         "successPolicy":{"rules":[{"succeededIndexes":"0,2-3","succeededCount":2}]}}
        """#
        #expect(try errors(spec) == [])
    }

    @Test func perIndexLimitsNeedIndexedModeAndEachOther() throws {
        #expect(try errors(#"{"backoffLimitPerIndex":1}"#) == ["spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode"])
        #expect(try errors(#"{"completionMode":"Indexed","completions":3,"maxFailedIndexes":1}"#)
                == ["spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified"])
        #expect(try errors(#"{"completionMode":"Indexed","completions":3,"backoffLimitPerIndex":1,"maxFailedIndexes":4}"#)
                == ["spec.maxFailedIndexes: Invalid value: 4: must be less than or equal to completions"])
        #expect(try errors(#"{"completionMode":"Indexed","completions":3,"backoffLimitPerIndex":-1}"#)
                == ["spec.backoffLimitPerIndex: Invalid value: -1: must be greater than or equal to 0"])
        #expect(try errors(#"{"completionMode":"Indexed","completions":200000,"parallelism":20000,"backoffLimitPerIndex":1}"#, name: "a")
                == ["spec.maxFailedIndexes: Required value: must be specified when completions is above 100000",
                    "spec.parallelism: Invalid value: 20000: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index"])
    }

    @Test func anIndexedJobsLastPodNameMustBeADNSLabel() throws {
        let long = String(repeating: "a", count: 62)
        #expect(try errors(#"{"completionMode":"Indexed","completions":10}"#, name: long)
                == [#"metadata.name: Invalid value: "\#(long)": will not able to create pod with invalid DNS label: \#(long)-9"#])
    }

    @Test func podFailurePolicyRules() throws {
        #expect(try errors(#"{"podFailurePolicy":{"rules":[{"action":"FailIndex","onExitCodes":{"operator":"In","values":[1]}}]}}"#)
                == [#"spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set"#])
        #expect(try errors(#"{"podFailurePolicy":{"rules":[{"action":"Retry","onExitCodes":{"operator":"In","values":[1]}}]}}"#)
                == [#"spec.podFailurePolicy.rules[0].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore""#])
        #expect(try errors(#"{"podFailurePolicy":{"rules":[{"action":"FailJob"}]}}"#)
                == ["spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required"])
        #expect(try errors(#"{"podFailurePolicy":{"rules":[{"action":"FailJob","onExitCodes":{"operator":"In","values":[1]},"onPodConditions":[{"type":"DisruptionTarget","status":"True"}]}]}}"#)
                == ["spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported"])
        #expect(try errors(#"{"podFailurePolicy":{"rules":[{"action":"FailJob","onExitCodes":{"containerName":"other","operator":"In","values":[3,0,3]}}]}}"#)
                == [#"spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "other": must be one of the container or initContainer names in the pod template"#,
                    "spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Invalid value: 0: must not be 0 for the In operator",
                    "spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 3",
                    "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{3, 0, 3}: must be ordered"])
        #expect(try errors(#"{"podFailurePolicy":{"rules":[{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget","status":"Maybe"}]}]}}"#)
                == [#"spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown""#])
        #expect(try errors(#"{"podFailurePolicy":{"rules":[{"action":"Ignore","onExitCodes":{"values":[1]}}]}}"#)
                == [#"spec.podFailurePolicy.rules[0].onExitCodes.operator: Required value: valid values: ["In" "NotIn"]"#])
    }

    @Test func podFailurePolicyNeedsNeverAndFailedReplacement() throws {
        var j = try job(#"{"podFailurePolicy":{"rules":[{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget"}]}]}}"#)
        j[path: ["spec", "template", "spec", "restartPolicy"]] = "OnFailure"
        j[path: ["spec", "podReplacementPolicy"]] = "TerminatingOrFailed"
        #expect(messages(strategy.validate(j)) == [
            #"spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed""#,
            #"spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified"#,
        ])
    }

    @Test func successPolicyRules() throws {
        #expect(try errors(#"{"successPolicy":{"rules":[{"succeededCount":1}]}}"#)
                == ["spec.successPolicy: Invalid value: batch.SuccessPolicy{Rules:[]batch.SuccessPolicyRule{...}}: requires indexed completion mode"])
        let indexed = #""completionMode":"Indexed","completions":5"#
        #expect(try errors(#"{\#(indexed),"successPolicy":{"rules":[]}}"#)
                == ["spec.successPolicy.rules: Required value: at least one rules must be specified when the successPolicy is specified"])
        #expect(try errors(#"{\#(indexed),"successPolicy":{"rules":[{}]}}"#)
                == ["spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified"])
        #expect(try errors(#"{\#(indexed),"successPolicy":{"rules":[{"succeededIndexes":"1-3","succeededCount":4}]}}"#)
                == ["spec.successPolicy.rules[0].succeededCount: Invalid value: 4: must be less than or equal to 3 (the number of indexes in the specified succeededIndexes field)"])
        #expect(try errors(#"{\#(indexed),"successPolicy":{"rules":[{"succeededCount":6}]}}"#)
                == ["spec.successPolicy.rules[0].succeededCount: Invalid value: 6: must be less than or equal to 5 (the number of specified completions)"])
        #expect(try errors(#"{\#(indexed),"successPolicy":{"rules":[{"succeededIndexes":"0,7"}]}}"#)
                == [#"spec.successPolicy.rules[0].succeededIndexes: Invalid value: "0,7": error parsing succeededIndexes: too large index: "7""#])
    }

    /// Each case: the text, and the count or the problem upstream's `validateIndexesFormat` reports.
    @Test(arguments: [
        ("", "0"),
        ("0,2-4", "4"),
        ("3,1", "non-increasing order, previous: 3, current: 1"),
        ("2-2", "non-increasing order, previous: 2, current: 2"),
        ("1-2-3", #"the fragment "1-2-3" violates the requirement that an index interval can have at most two parts separated by '-'"#),
        ("a", #"cannot convert string to integer for index: "a""#),
        ("1,", #"cannot convert string to integer for index: """#),
        ("9", #"too large index: "9""#),
    ])
    func indexIntervals(_ text: String, _ expected: String) {
        switch IndexIntervals.count(text, completions: 5) {
        case .success(let n): #expect(String(n) == expected)
        case .failure(let problem): #expect(problem.message == expected)
        }
    }
}
