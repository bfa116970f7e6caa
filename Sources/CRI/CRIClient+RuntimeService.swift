import GRPCCore

// Thin methods, one per RPC: the generated request in, the generated response out.

extension CRIClient {
    /// Version: Returns the runtime's name and version and the CRI version it speaks.
    /// - Parameter timeout: overrides the call's deadline.
    public func version(
        _ request: Runtime_V1_VersionRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_VersionResponse {
        try await call("RuntimeService/Version", timeout: timeout ?? timeouts.read) { options in
            try await runtimeService.version(request, options: options)
        }
    }

    /// RunPodSandbox: Creates and starts a pod sandbox (its pause container, network namespace and CNI network); returns its ID.
    /// - Parameter timeout: overrides the call's deadline.
    public func runPodSandbox(
        _ request: Runtime_V1_RunPodSandboxRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_RunPodSandboxResponse {
        try await call("RuntimeService/RunPodSandbox", timeout: timeout ?? timeouts.default) { options in
            try await runtimeService.runPodSandbox(request, options: options)
        }
    }

    /// StopPodSandbox: Stops the sandbox's containers and releases its network. Idempotent.
    /// - Parameter timeout: overrides the call's deadline.
    public func stopPodSandbox(
        _ request: Runtime_V1_StopPodSandboxRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_StopPodSandboxResponse {
        try await call("RuntimeService/StopPodSandbox", timeout: timeout ?? timeouts.default) { options in
            try await runtimeService.stopPodSandbox(request, options: options)
        }
    }

    /// RemovePodSandbox: Removes the sandbox and its containers. Idempotent.
    /// - Parameter timeout: overrides the call's deadline.
    public func removePodSandbox(
        _ request: Runtime_V1_RemovePodSandboxRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_RemovePodSandboxResponse {
        try await call("RuntimeService/RemovePodSandbox", timeout: timeout ?? timeouts.default) { options in
            try await runtimeService.removePodSandbox(request, options: options)
        }
    }

    /// PodSandboxStatus: The sandbox's state, IP and metadata; `notFound` if it does not exist.
    /// - Parameter timeout: overrides the call's deadline.
    public func podSandboxStatus(
        _ request: Runtime_V1_PodSandboxStatusRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_PodSandboxStatusResponse {
        try await call("RuntimeService/PodSandboxStatus", timeout: timeout ?? timeouts.read) { options in
            try await runtimeService.podSandboxStatus(request, options: options)
        }
    }

    /// ListPodSandbox: The sandboxes matching the request's filter.
    /// - Parameter timeout: overrides the call's deadline.
    public func listPodSandbox(
        _ request: Runtime_V1_ListPodSandboxRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_ListPodSandboxResponse {
        try await call("RuntimeService/ListPodSandbox", timeout: timeout ?? timeouts.read) { options in
            try await runtimeService.listPodSandbox(request, options: options)
        }
    }

    /// CreateContainer: Creates a container in a sandbox; returns its ID.
    /// - Parameter timeout: overrides the call's deadline.
    public func createContainer(
        _ request: Runtime_V1_CreateContainerRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_CreateContainerResponse {
        try await call("RuntimeService/CreateContainer", timeout: timeout ?? timeouts.default) { options in
            try await runtimeService.createContainer(request, options: options)
        }
    }

    /// StartContainer: Starts a created container.
    /// - Parameter timeout: overrides the call's deadline.
    public func startContainer(
        _ request: Runtime_V1_StartContainerRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_StartContainerResponse {
        try await call("RuntimeService/StartContainer", timeout: timeout ?? timeouts.default) { options in
            try await runtimeService.startContainer(request, options: options)
        }
    }

    /// StopContainer: Stops a container, killing it after `timeout` seconds of grace. Idempotent.
    /// The deadline is the default plus the grace period.
    /// - Parameter timeout: overrides the call's deadline.
    public func stopContainer(
        _ request: Runtime_V1_StopContainerRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_StopContainerResponse {
        try await call("RuntimeService/StopContainer", timeout: timeout ?? timeouts.stopContainer(graceSeconds: request.timeout)) { options in
            try await runtimeService.stopContainer(request, options: options)
        }
    }

    /// RemoveContainer: Removes a container (killing it if it still runs). Idempotent.
    /// - Parameter timeout: overrides the call's deadline.
    public func removeContainer(
        _ request: Runtime_V1_RemoveContainerRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_RemoveContainerResponse {
        try await call("RuntimeService/RemoveContainer", timeout: timeout ?? timeouts.default) { options in
            try await runtimeService.removeContainer(request, options: options)
        }
    }

    /// ListContainers: The containers matching the request's filter.
    /// - Parameter timeout: overrides the call's deadline.
    public func listContainers(
        _ request: Runtime_V1_ListContainersRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_ListContainersResponse {
        try await call("RuntimeService/ListContainers", timeout: timeout ?? timeouts.read) { options in
            try await runtimeService.listContainers(request, options: options)
        }
    }

    /// ContainerStatus: A container's state, times, exit code, image and log path; `notFound` if it does not exist.
    /// - Parameter timeout: overrides the call's deadline.
    public func containerStatus(
        _ request: Runtime_V1_ContainerStatusRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_ContainerStatusResponse {
        try await call("RuntimeService/ContainerStatus", timeout: timeout ?? timeouts.read) { options in
            try await runtimeService.containerStatus(request, options: options)
        }
    }

    /// UpdateContainerResources: Changes a running container's Linux resources.
    /// - Parameter timeout: overrides the call's deadline.
    public func updateContainerResources(
        _ request: Runtime_V1_UpdateContainerResourcesRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_UpdateContainerResourcesResponse {
        try await call("RuntimeService/UpdateContainerResources", timeout: timeout ?? timeouts.default) { options in
            try await runtimeService.updateContainerResources(request, options: options)
        }
    }

    /// ReopenContainerLog: Asks the runtime to reopen a container's log file (after rotation).
    /// - Parameter timeout: overrides the call's deadline.
    public func reopenContainerLog(
        _ request: Runtime_V1_ReopenContainerLogRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_ReopenContainerLogResponse {
        try await call("RuntimeService/ReopenContainerLog", timeout: timeout ?? timeouts.default) { options in
            try await runtimeService.reopenContainerLog(request, options: options)
        }
    }

    /// ExecSync: Runs a command in a container and returns its output and exit code.
    /// The deadline is the default plus the request's `timeout` seconds; none if that is 0 (no limit).
    /// - Parameter timeout: overrides the call's deadline.
    public func execSync(
        _ request: Runtime_V1_ExecSyncRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_ExecSyncResponse {
        try await call("RuntimeService/ExecSync", timeout: timeout ?? timeouts.execSync(timeoutSeconds: request.timeout)) { options in
            try await runtimeService.execSync(request, options: options)
        }
    }

    /// Exec: Prepares an exec session on the runtime's streaming server; returns its URL.
    /// - Parameter timeout: overrides the call's deadline.
    public func exec(
        _ request: Runtime_V1_ExecRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_ExecResponse {
        try await call("RuntimeService/Exec", timeout: timeout ?? timeouts.read) { options in
            try await runtimeService.exec(request, options: options)
        }
    }

    /// Attach: Prepares an attach session on the runtime's streaming server; returns its URL.
    /// - Parameter timeout: overrides the call's deadline.
    public func attach(
        _ request: Runtime_V1_AttachRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_AttachResponse {
        try await call("RuntimeService/Attach", timeout: timeout ?? timeouts.read) { options in
            try await runtimeService.attach(request, options: options)
        }
    }

    /// PortForward: Prepares a port-forward session into a sandbox on the runtime's streaming server; returns its URL.
    /// - Parameter timeout: overrides the call's deadline.
    public func portForward(
        _ request: Runtime_V1_PortForwardRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_PortForwardResponse {
        try await call("RuntimeService/PortForward", timeout: timeout ?? timeouts.read) { options in
            try await runtimeService.portForward(request, options: options)
        }
    }

    /// ContainerStats: Resource usage of one container.
    /// - Parameter timeout: overrides the call's deadline.
    public func containerStats(
        _ request: Runtime_V1_ContainerStatsRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_ContainerStatsResponse {
        try await call("RuntimeService/ContainerStats", timeout: timeout ?? timeouts.read) { options in
            try await runtimeService.containerStats(request, options: options)
        }
    }

    /// ListContainerStats: Resource usage of the containers matching the request's filter.
    /// - Parameter timeout: overrides the call's deadline.
    public func listContainerStats(
        _ request: Runtime_V1_ListContainerStatsRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_ListContainerStatsResponse {
        try await call("RuntimeService/ListContainerStats", timeout: timeout ?? timeouts.read) { options in
            try await runtimeService.listContainerStats(request, options: options)
        }
    }

    /// PodSandboxStats: Resource usage of one pod sandbox.
    /// - Parameter timeout: overrides the call's deadline.
    public func podSandboxStats(
        _ request: Runtime_V1_PodSandboxStatsRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_PodSandboxStatsResponse {
        try await call("RuntimeService/PodSandboxStats", timeout: timeout ?? timeouts.read) { options in
            try await runtimeService.podSandboxStats(request, options: options)
        }
    }

    /// ListPodSandboxStats: Resource usage of the pod sandboxes matching the request's filter.
    /// - Parameter timeout: overrides the call's deadline.
    public func listPodSandboxStats(
        _ request: Runtime_V1_ListPodSandboxStatsRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_ListPodSandboxStatsResponse {
        try await call("RuntimeService/ListPodSandboxStats", timeout: timeout ?? timeouts.read) { options in
            try await runtimeService.listPodSandboxStats(request, options: options)
        }
    }

    /// UpdateRuntimeConfig: Tells the runtime the node's pod CIDR.
    /// - Parameter timeout: overrides the call's deadline.
    public func updateRuntimeConfig(
        _ request: Runtime_V1_UpdateRuntimeConfigRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_UpdateRuntimeConfigResponse {
        try await call("RuntimeService/UpdateRuntimeConfig", timeout: timeout ?? timeouts.default) { options in
            try await runtimeService.updateRuntimeConfig(request, options: options)
        }
    }

    /// Status: The runtime's conditions (RuntimeReady, NetworkReady).
    /// - Parameter timeout: overrides the call's deadline.
    public func status(
        _ request: Runtime_V1_StatusRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_StatusResponse {
        try await call("RuntimeService/Status", timeout: timeout ?? timeouts.read) { options in
            try await runtimeService.status(request, options: options)
        }
    }
}
