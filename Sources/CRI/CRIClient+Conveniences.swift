// The shapes the kubelet asks for most, built on the thin per-RPC methods.
extension CRIClient {
    /// The CRI API version this client speaks, sent in VersionRequest.
    public static let apiVersion = "v1"

    /// The runtime's name and versions (`runtime_name` is "containerd" for containerd).
    public func version() async throws(CRIError) -> Runtime_V1_VersionResponse {
        var request = Runtime_V1_VersionRequest()
        request.version = Self.apiVersion
        return try await version(request)
    }

    /// Pulls `image` (e.g. `docker.io/library/busybox:1.35`) and returns the image reference the runtime
    /// reports — for containerd the image ID (`sha256:…`), the value the kubelet passes back in
    /// ContainerConfig.image and reports as the container's imageID.
    public func pullImage(_ image: String) async throws(CRIError) -> String {
        var request = Runtime_V1_PullImageRequest()
        request.image.image = image
        return try await pullImage(request).imageRef
    }

    /// The image named `image` (a reference or ID), or nil if the runtime does not have it.
    public func imageStatus(_ image: String) async throws(CRIError) -> Runtime_V1_Image? {
        var request = Runtime_V1_ImageStatusRequest()
        request.image.image = image
        let response = try await imageStatus(request)
        return response.hasImage ? response.image : nil
    }

    /// Every image the runtime has.
    public func listImages() async throws(CRIError) -> [Runtime_V1_Image] {
        try await listImages(Runtime_V1_ListImagesRequest()).images
    }

    /// The pod sandboxes whose labels include all of `labels` (all sandboxes for an empty selector).
    public func listPodSandboxes(labels: [String: String] = [:]) async throws(CRIError) -> [Runtime_V1_PodSandbox] {
        var request = Runtime_V1_ListPodSandboxRequest()
        if !labels.isEmpty {
            request.filter.labelSelector = labels
        }
        return try await listPodSandbox(request).items
    }

    /// The containers of one sandbox, or every container when `podSandboxID` is nil.
    public func listContainers(podSandboxID: String? = nil) async throws(CRIError) -> [Runtime_V1_Container] {
        var request = Runtime_V1_ListContainersRequest()
        if let podSandboxID {
            request.filter.podSandboxID = podSandboxID
        }
        return try await listContainers(request).containers
    }
}
