import Foundation
import Testing

@testable import APIMachinery

@Suite struct JSONWriterTests {
    @Test func roundTripsThroughFoundationsParser() throws {
        let value: JSON = [
            "s": "quote \" backslash \\ newline \n tab \t bell \u{07} unicode é 日本 🚢",
            "i": .int(-1_234_567_890_123), "d": 1.5, "big": 1e300, "whole": .double(3),
            "b": true, "n": nil, "a": [1, "x", [:], []], "o": ["nested": ["deeper": false]],
        ]
        let text = value.serialized(sortedKeys: true)
        // Foundation's parser is the judge of validity.
        let back = try JSON.parse(text)
        #expect(back["s"] == value["s"])
        #expect(back["i"] == value["i"])
        #expect(back["d"]?.double == 1.5 && back["big"]?.double == 1e300 && back["whole"]?.int == 3)
        #expect(back["a"] == value["a"] && back["o"] == value["o"] && back["n"] == .null && back["b"] == true)
    }

    @Test func sortedKeysAreDeterministicAndCompact() {
        let v: JSON = ["b": 1, "a": ["d": 2, "c": 3]]
        #expect(String(decoding: v.serialized(sortedKeys: true), as: UTF8.self) == #"{"a":{"c":3,"d":2},"b":1}"#)
    }

    @Test func controlCharactersAreEscaped() {
        let v: JSON = .string("\u{01}\u{1F}/")
        #expect(String(decoding: v.serialized(), as: UTF8.self) == #""\u0001\u001f/""#)
    }
}
