import APIMachinery
import Testing

struct GoDurationTests {
    /// Go's `time.Duration.String`, as the kubelet's messages print durations.
    @Test func formatsAsGoPrintsDurations() {
        #expect(GoDuration.format(.zero) == "0s")
        #expect(GoDuration.format(.nanoseconds(850)) == "850ns")
        #expect(GoDuration.format(.nanoseconds(1_500)) == "1.5µs")
        #expect(GoDuration.format(.milliseconds(532)) == "532ms")
        #expect(GoDuration.format(.milliseconds(1_234)) == "1.234s")
        #expect(GoDuration.format(.seconds(2)) == "2s")
        #expect(GoDuration.format(.milliseconds(123_500)) == "2m3.5s")
        #expect(GoDuration.format(.seconds(3600)) == "1h0m0s")
        #expect(GoDuration.format(.seconds(-90)) == "-1m30s")
    }

    @Test func parseReadsWhatFormatWrites() {
        for d in [Duration.milliseconds(532), .milliseconds(1_234), .milliseconds(123_500), .seconds(3600)] {
            #expect(GoDuration.parse(GoDuration.format(d)) == d)
        }
    }
}
