import APIMachinery

/// What a whole pod asks for, as a `Pod`-type LimitRange item judges it (upstream's limitranger
/// `podRequests` / `podLimits`): the app containers and sidecars (init containers with
/// `restartPolicy: Always`) add up, and an ordinary init container counts as itself plus the sidecars
/// started before it; the pod needs the larger of the two, resource by resource.
enum PodResourceTotals {
    static func requests(_ pod: JSON) -> ResourceList { total(pod, "requests") }
    static func limits(_ pod: JSON) -> ResourceList { total(pod, "limits") }

    private static func total(_ pod: JSON, _ field: String) -> ResourceList {
        var sum = ResourceList()
        for c in pod[path: ["spec", "containers"]]?.array ?? [] {
            sum.add(ResourceList(resourceList: c[path: ["resources", field]]))
        }
        var sidecars = ResourceList(), initPeak = ResourceList()
        for c in pod[path: ["spec", "initContainers"]]?.array ?? [] {
            let own = ResourceList(resourceList: c[path: ["resources", field]])
            var running: ResourceList
            if c["restartPolicy"]?.string == "Always" {
                sum.add(own)
                sidecars.add(own)
                running = sidecars
            } else {
                running = own
                running.add(sidecars)
            }
            initPeak.raise(to: running)
        }
        sum.raise(to: initPeak)
        return sum
    }
}
