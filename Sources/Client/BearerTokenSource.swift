/// Where a `KubeClient` gets the bearer token of each request when its credential expires and is renewed
/// (client-go's `oauth2.TokenSource` behind `transport.ResettableTokenSourceWrapTransport`).
public protocol BearerTokenSource: Sendable {
    /// The token to send now: the cached one while it is fresh, else a new one.
    func token() async throws -> String
    /// The server answered 401 to the current token: the next `token()` fetches a new one instead of
    /// sending the rejected one until it would have expired.
    func invalidate()
}
