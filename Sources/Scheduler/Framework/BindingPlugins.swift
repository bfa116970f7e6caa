/// The binding-cycle extension points (upstream `ReservePlugin` and `PreBindPlugin`): Reserve runs in the
/// scheduling cycle once a node is chosen, before the next pod is looked at, so a plugin can set aside what
/// it promised this pod; PreBind runs in the pod's binding task, before the Binding is written, and may
/// wait (for volumes to be provisioned and bound). A failed PreBind undoes Reserve and the pod is retried.
public protocol ReservePlugin: SchedulerPlugin {
    /// nil when the reservation holds, else why not (the pod is then retried).
    func reserve(pod: PodView, nodeName: String, state: CycleState) -> Status?
    /// Gives back what `reserve` set aside (after a failed Reserve or PreBind, or once bound).
    func unreserve(pod: PodView, nodeName: String, state: CycleState)
}

public protocol PreBindPlugin: SchedulerPlugin {
    /// nil when the pod may be bound to `nodeName`, else why not.
    func preBind(pod: PodView, nodeName: String, state: CycleState) async -> Status?
}
