import APIMachinery

/// How upstream's `DefaultStorageClass` and `DefaultIngressClass` plugins pick the cluster's default class
/// when several are marked: the newest by creationTimestamp, then the first by name (several defaults are
/// tolerated while one replaces another).
enum DefaultClassChoice {
    static func newest(among classes: [JSON], isDefault: (JSON) -> Bool) -> String? {
        classes.filter(isDefault)
            .sorted { a, b in
                let ta = a[path: ["metadata", "creationTimestamp"]]?.string ?? ""
                let tb = b[path: ["metadata", "creationTimestamp"]]?.string ?? ""
                if ta != tb { return ta > tb }
                return (a[path: ["metadata", "name"]]?.string ?? "") < (b[path: ["metadata", "name"]]?.string ?? "")
            }
            .first?[path: ["metadata", "name"]]?.string
    }
}
