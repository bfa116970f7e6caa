import Testing
@testable import Registry

@Suite struct QuantityTests {
    @Test(arguments: [
        ("0.5", "500m"), ("500m", "500m"), ("1", "1"), ("1000", "1k"), ("1000m", "1"), ("1.5", "1500m"),
        ("1024Mi", "1Gi"), ("1000Mi", "1000Mi"), ("1.5Gi", "1536Mi"), ("0.5Ki", "512"), ("1536", "1536"),
        ("128974848", "128974848"), ("129e6", "129e6"), ("100M", "100M"), ("1e3", "1e3"), ("0", "0"),
        ("0Gi", "0"), ("-1", "-1"), ("2Gi", "2Gi"), ("100n", "100n"), ("12E", "12E"), (".5", "500m"),
    ])
    func canonicalForm(_ input: String, _ expected: String) throws {
        let q = try #require(Quantity.parse(input))
        #expect(q.description == expected)
    }

    @Test(arguments: ["", "abc", "1.2.3", "1Qi", "--1", "1e", "e3", "Mi", "1 Gi"])
    func rejectsMalformed(_ input: String) {
        #expect(Quantity.parse(input) == nil)
    }

    @Test func comparesByAmount() throws {
        #expect(try #require(Quantity.parse("1")) == (try #require(Quantity.parse("1000m"))))
        #expect(try #require(Quantity.parse("1Gi")) > (try #require(Quantity.parse("1G"))))
        #expect(try #require(Quantity.parse("250m")) < (try #require(Quantity.parse("0.3"))))
    }

    @Test func roundsUpToMilli() throws {
        #expect(try #require(Quantity.parse("0.0001")).roundedUp(toScale: -3).description == "1m")
        #expect(try #require(Quantity.parse("1.0005")).roundedUp(toScale: -3).description == "1001m")
        #expect(try #require(Quantity.parse("1n")).milliValue == 1)
    }

    @Test func acceptsJSONNumbers() {
        #expect(Quantity.from(.int(2))?.description == "2")
        #expect(Quantity.from(.double(0.25))?.description == "250m")
        #expect(Quantity.from(.bool(true)) == nil)
    }
}
