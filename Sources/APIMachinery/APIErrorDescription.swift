/// An API error reads as its message, as upstream's `StatusError.Error()` does: controllers put errors
/// into events (`Error creating: pods "web-1" is forbidden: violates PodSecurity ...`) and logs by
/// interpolation, which would otherwise show the struct's fields.
extension APIError: CustomStringConvertible {
    public var description: String { message }
}
