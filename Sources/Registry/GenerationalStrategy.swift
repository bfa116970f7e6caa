import APIMachinery

/// What every workload strategy upstream does with `metadata.generation` and `status`: a new object starts
/// at generation 1 with its kind's initial status; an update of the main resource keeps the stored status
/// (only `/status` changes it) and bumps the generation when the spec changed, so that controllers can
/// report `status.observedGeneration` against it.
public protocol GenerationalStrategy: ResourceStrategy {
    /// The status a new object starts with (upstream's non-omitempty counters).
    var initialStatus: JSON { get }

    /// Whether a change of `metadata.annotations` also bumps the generation (Deployments: their
    /// annotations are copied to the replica sets they own).
    var annotationsBumpGeneration: Bool { get }
}

extension GenerationalStrategy {
    public var annotationsBumpGeneration: Bool { false }

    public func prepareForCreate(_ object: inout JSON) {
        startGeneration(&object)
    }

    public func prepareForUpdate(_ object: inout JSON, old: JSON) {
        trackGeneration(&object, old: old)
    }

    /// Generation 1 and the initial status; for strategies that do more on create.
    public func startGeneration(_ object: inout JSON) {
        object["status"] = initialStatus
        object[path: ["metadata", "generation"]] = 1
    }

    /// The stored status kept and the generation bumped on a spec change; for strategies that do more on
    /// update.
    public func trackGeneration(_ object: inout JSON, old: JSON) {
        object["status"] = old["status"]
        let generation = old["metadata"]?["generation"]?.int ?? 0
        var changed = !Semantic.equal(object["spec"], old["spec"])
        if annotationsBumpGeneration {
            changed = changed || !Semantic.equal(object["metadata"]?["annotations"], old["metadata"]?["annotations"])
        }
        object[path: ["metadata", "generation"]] = .int(changed ? generation + 1 : generation)
    }
}
