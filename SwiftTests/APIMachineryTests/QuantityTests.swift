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

    @Test func binaryValuesAreCappedAtInt64Units() throws {
        #expect(try Quantity(parsing: "8Ei").value == Int64.max)
        #expect(try Quantity(parsing: "8Ei").description == "9223372036854775807")
        #expect(try Quantity(parsing: "7Ei").value == 7 << 60)
    }

    /// Upstream holds 1E30 exactly (`resource.MustParse("1E30")` is valid and prints `1e30`). APIMachinery's old
    /// copy saturated it to about 4.25e19 units and Registry's rejected it as malformed; only the Int64
    /// accessors saturate now, where upstream's would overflow.
    @Test func holdsValuesBeyondInt64() throws {
        let big = try Quantity(parsing: "1E30")
        #expect(big.description == "1e30")
        #expect(big.value == Int64.max)
        #expect(try Quantity(parsing: "-1E30").milliValue == Int64.min)
        #expect(big > (try Quantity(parsing: "1E29")))
        #expect(big == (try Quantity(parsing: "1000000000000000000000000000000")))
        #expect(try Quantity(parsing: "1000000000000000000000000000000").description == "1e30")
        #expect((big + big).description == "2e30")
        #expect(try Quantity(parsing: "12E").description == "12E")
        // Upstream has no DecimalSI suffix for 10²¹ and would print a bare "1"; the exponent keeps the value.
        #expect(try Quantity(parsing: "1000E").description == "1e21")
    }

    @Test(arguments: [
        ("0.5", "500m"), ("500m", "500m"), ("1", "1"), ("1000", "1k"), ("1000m", "1"), ("1.5", "1500m"),
        ("1024Mi", "1Gi"), ("1000Mi", "1000Mi"), ("1.5Gi", "1536Mi"), ("0.5Ki", "512"), ("1536", "1536"),
        ("128974848", "128974848"), ("129e6", "129e6"), ("100M", "100M"), ("1e3", "1e3"), ("0", "0"),
        ("0Gi", "0"), ("-1", "-1"), ("2Gi", "2Gi"), ("100n", "100n"), (".5", "500m"), ("1e-4", "100e-6"),
        ("0.0001", "100u"), ("3.001n", "4n"), ("1.1E-9", "2e-9"), ("0.000000000001Ki", "2n"), ("1.G", "1G"),
        ("1025Ki", "1025Ki"), ("-1Gi", "-1Gi"), ("1.5Ki", "1536"), ("Mi", "0"), ("e3", "0"),
    ])
    func canonicalFormIsUpstreams(_ input: String, _ expected: String) throws {
        #expect(try Quantity(parsing: input).description == expected)
    }

    @Test(arguments: [
        ("", QuantityParseError.formatWrong), ("abc", .formatWrong), ("1 Gi", .formatWrong), ("1.5.5", .formatWrong),
        ("1Gi ", .formatWrong), ("1K", .suffix), ("1ki", .suffix), ("1e", .suffix), ("12Mi3", .suffix), ("1mm", .suffix),
    ] as [(String, QuantityParseError)])
    func rejectsWhatUpstreamRejects(text: String, error: QuantityParseError) {
        #expect(throws: error) { try Quantity(parsing: text) }
    }

    /// ParseQuantity rejects surrounding spaces; UnmarshalJSON (how a quantity in an object is read) trims
    /// them first. Registry's old copy trimmed in both, APIMachinery's in neither.
    @Test func spacesAreTrimmedOnlyWhenDecodingJSON() throws {
        #expect(throws: QuantityParseError.formatWrong) { try Quantity(parsing: " 1Gi") }
        #expect(try Quantity(json: "1Gi ").description == "1Gi")
        #expect(try Quantity(json: "\t500m\n").milliValue == 500)
        #expect(throws: QuantityParseError.formatWrong) { try Quantity(json: "1 Gi") }
    }

    @Test func comparesByValue() throws {
        #expect(try Quantity(parsing: "1") == (try Quantity(parsing: "1000m")))
        #expect(try Quantity(parsing: "1Gi") > (try Quantity(parsing: "1G")))
        #expect(try Quantity(parsing: "250m") < (try Quantity(parsing: "0.3")))
        #expect(try Quantity(parsing: "-2") < (try Quantity(parsing: "-1.5")))
        #expect(try Quantity(parsing: "-1E30") < (try Quantity(parsing: "-1")))
        #expect(!(try Quantity(parsing: "-1") < (try Quantity(parsing: "-1000m"))))
    }

    @Test func roundsUpToMilli() throws {
        #expect(try Quantity(parsing: "0.0001").roundedUp(toScale: -3).description == "1m")
        #expect(try Quantity(parsing: "1.0005").roundedUp(toScale: -3).description == "1001m")
        #expect(try Quantity(parsing: "-1.0005").roundedUp(toScale: -3).description == "-1001m")
        #expect(try Quantity(parsing: "1Gi").roundedUp(toScale: -3).description == "1Gi")
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
        #expect(try Quantity(json: .double(0.25)).description == "250m")
        #expect(try Quantity(json: .int(2)).description == "2")
    }

    @Test func sumsRoundOnce() throws {
        let half = try Quantity(parsing: "0.0005")
        #expect(half.milliValue == 1)
        #expect((half + half).milliValue == 1)
        #expect((half + half + half).milliValue == 2)
        #expect(Quantity(milli: 250) + Quantity(1) == Quantity(milli: 1250))
    }
}
