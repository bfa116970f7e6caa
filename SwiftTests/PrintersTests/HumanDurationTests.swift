import Testing
@testable import Printers

@Suite struct HumanDurationTests {
    private func h(_ seconds: Int64, _ extraNanos: Int64 = 0) -> String {
        humanDuration(nanoseconds: seconds * 1_000_000_000 + extraNanos)
    }

    @Test func nearNowAndFuture() {
        #expect(h(-3) == "<invalid>")
        #expect(h(-2) == "<invalid>")
        #expect(h(-1, -900_000_000) == "0s", "int(-1.9s) truncates to -1")
        #expect(h(-1) == "0s")
        #expect(h(0) == "0s")
        #expect(h(0, 999_999_999) == "0s")
    }

    @Test func seconds() {
        #expect(h(1) == "1s")
        #expect(h(59) == "59s")
        #expect(h(60) == "60s")
        #expect(h(119, 999_000_000) == "119s")
    }

    @Test func minutes() {
        #expect(h(120) == "2m")
        #expect(h(121) == "2m1s")
        #expect(h(150) == "2m30s")
        #expect(h(9 * 60 + 59) == "9m59s")
        #expect(h(10 * 60) == "10m")
        #expect(h(10 * 60 + 30) == "10m")
        #expect(h(179 * 60 + 59) == "179m")
    }

    @Test func hours() {
        #expect(h(180 * 60) == "3h")
        #expect(h(3 * 3600 + 5 * 60) == "3h5m")
        #expect(h(7 * 3600 + 59 * 60 + 59) == "7h59m")
        #expect(h(8 * 3600) == "8h")
        #expect(h(8 * 3600 + 59 * 60) == "8h")
        #expect(h(47 * 3600 + 59 * 60) == "47h")
    }

    @Test func days() {
        let day: Int64 = 86_400
        #expect(h(2 * day) == "2d")
        #expect(h(2 * day + 3600) == "2d1h")
        #expect(h(7 * day + 23 * 3600) == "7d23h")
        #expect(h(8 * day) == "8d")
        #expect(h(8 * day + 23 * 3600) == "8d")
        #expect(h(729 * day) == "729d")
    }

    @Test func years() {
        let day: Int64 = 86_400
        #expect(h(730 * day) == "2y")
        #expect(h(731 * day) == "2y1d")
        #expect(h(7 * 365 * day + 364 * day) == "7y364d")
        #expect(h(8 * 365 * day) == "8y")
        #expect(h(10 * 365 * day + 100 * day) == "10y")
    }

    @Test func durationOverload() {
        #expect(humanDuration(.seconds(150)) == "2m30s")
        #expect(humanDuration(.milliseconds(-1500)) == "0s")
    }
}
