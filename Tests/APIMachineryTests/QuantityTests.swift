@testable import APIMachinery
import Testing

@Suite("Quantity")
struct QuantityTests {
    @Test(arguments: [
        ("100m", 100, 1), ("1", 1000, 1), ("1.5", 1500, 2), ("0.1", 100, 1), ("2e3", 2_000_000, 2000),
        ("1E3", 1_000_000, 1000), ("1e-3", 1, 1), ("1.5e+3", 1_500_000, 1500), ("1k", 1_000_000, 1000),
        ("1G", 1_000_000_000_000, 1_000_000_000), ("1Ki", 1_024_000, 1024), ("0.5Ki", 512_000, 512),
        ("1.5Gi", 1_610_612_736_000, 1_610_612_736), ("128Mi", 134_217_728_000, 134_217_728),
        ("0", 0, 0), ("000", 0, 0), ("+5", 5000, 5), ("-1", -1000, -1), ("-1.5", -1500, -2),
        ("1n", 1, 1), ("999n", 1, 1), ("1u", 1, 1), ("1.0001m", 2, 1), ("0.0", 0, 0), ("1.", 1000, 1),
        ("1E", Int64.max, 1_000_000_000_000_000_000),
    ] as [(String, Int64, Int64)])
    func parsesLikeUpstream(text: String, milli: Int64, value: Int64) throws {
        let q = try Quantity(parsing: text)
        #expect(q.milliValue == milli, "\(text) milli")
        #expect(q.value == value, "\(text) value")
    }

    @Test func binaryValuesAreCappedAndHugeValuesSaturate() throws {
        #expect(try Quantity(parsing: "8Ei").value == Int64.max)
        #expect(try Quantity(parsing: "1E30").value == Int64.max)
        #expect(try Quantity(parsing: "-1E30").milliValue == Int64.min)
        #expect(try Quantity(parsing: "7Ei").value == 7 << 60)
    }

    @Test(arguments: [
        ("", QuantityParseError.formatWrong), ("abc", .formatWrong), ("1 Gi", .formatWrong), ("1.5.5", .formatWrong),
        ("1Gi ", .formatWrong), ("1K", .suffix), ("1ki", .suffix), ("1e", .suffix), ("12Mi3", .suffix), ("1mm", .suffix),
    ] as [(String, QuantityParseError)])
    func rejectsWhatUpstreamRejects(text: String, error: QuantityParseError) {
        #expect(throws: error) { try Quantity(parsing: text) }
    }

    @Test func errorTextsAreUpstreams() {
        #expect(QuantityParseError.suffix.description == "unable to parse quantity's suffix")
        #expect(QuantityParseError.formatWrong.description.hasPrefix("quantities must match the regular expression '^([+-]?[0-9.]+)"))
    }

    @Test func jsonNumbersAndNullDecode() throws {
        #expect(try Quantity(json: .int(2)).milliValue == 2000)
        #expect(try Quantity(json: .double(0.5)).milliValue == 500)
        #expect(try Quantity(json: .double(1e-5)).milliValue == 1)
        #expect(try Quantity(json: .double(1.5e20)).value == Int64.max)
        #expect(try Quantity(json: .double(1.5e3)).value == 1500)
        #expect(try Quantity(json: .null).isZero)
        #expect(try Quantity(json: "250m").milliValue == 250)
        #expect(throws: QuantityParseError.formatWrong) { try Quantity(json: .bool(true)) }
    }

    @Test func sumsRoundOnce() throws {
        let half = try Quantity(parsing: "0.0005")
        #expect(half.milliValue == 1)
        #expect((half + half).milliValue == 1)
        #expect((half + half + half).milliValue == 2)
        #expect(Quantity(milli: 250) + Quantity(1) == Quantity(milli: 1250))
    }
}
