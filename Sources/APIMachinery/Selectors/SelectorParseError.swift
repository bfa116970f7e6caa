/// A label or field selector that does not parse, with upstream's exact message.
///
/// The API server answers these as 400 BadRequest carrying the message verbatim; kubectl then prefixes
/// it with "Unable to find ... that match label selector ...", so the text must be upstream's.
public struct SelectorParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    /// The 400 BadRequest the API server answers with.
    public var apiError: APIError { .badRequest(message) }
}
