import Foundation

/// `Timestamp`'s text for callers holding a Foundation `Date`: `metav1.Time` and `metav1.MicroTime` written
/// and read with exactly the rules of `Timestamp` (which is where they are implemented).
public enum RFC3339 {
    /// `2026-11-25T15:00:00Z`: `metav1.Time`, fraction truncated.
    public static func time(_ date: Date = Date()) -> String { Timestamp(date).rfc3339 }

    /// `2026-11-25T15:00:00.123456Z`: `metav1.MicroTime`, truncated to the microsecond as Go does.
    public static func microTime(_ date: Date = Date()) -> String { Timestamp(date).microTime }

    /// Go's `time.Parse(time.RFC3339, text)` as a `Date`; nil when Go would fail.
    public static func parse(_ text: String) -> Date? { Timestamp(rfc3339: text)?.date }

    /// Whole seconds since the epoch (rounded down) of RFC 3339 text; nil when Go would fail to parse it.
    public static func seconds(_ text: String) -> Int64? { Timestamp(rfc3339: text)?.seconds }
}
