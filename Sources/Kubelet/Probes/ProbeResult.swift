/// One run of a probe: success, or failure with the message upstream's prober gives (the text after
/// "Liveness probe failed: " in the kubelet's Unhealthy event).
enum ProbeResult: Sendable, Equatable {
    case success
    case failure(String)
}
