import APIMachinery

/// ServiceAccounts: nothing beyond metadata (upstream's `ValidateServiceAccount` is object-meta only).
public struct ServiceAccountStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }
}
