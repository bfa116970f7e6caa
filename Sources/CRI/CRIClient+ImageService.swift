import GRPCCore

// Thin methods, one per RPC: the generated request in, the generated response out.

extension CRIClient {
    /// ListImages: The images matching the request's filter.
    /// - Parameter timeout: overrides the call's deadline.
    public func listImages(
        _ request: Runtime_V1_ListImagesRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_ListImagesResponse {
        try await call("ImageService/ListImages", timeout: timeout ?? timeouts.read) { options in
            try await imageService.listImages(request, options: options)
        }
    }

    /// ImageStatus: An image's ID, tags, digests and size; the response's `image` is unset if it is absent.
    /// - Parameter timeout: overrides the call's deadline.
    public func imageStatus(
        _ request: Runtime_V1_ImageStatusRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_ImageStatusResponse {
        try await call("ImageService/ImageStatus", timeout: timeout ?? timeouts.read) { options in
            try await imageService.imageStatus(request, options: options)
        }
    }

    /// PullImage: Pulls an image; returns its reference (the image ID). The deadline is ``CRITimeouts/pullImage``.
    /// - Parameter timeout: overrides the call's deadline.
    public func pullImage(
        _ request: Runtime_V1_PullImageRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_PullImageResponse {
        try await call("ImageService/PullImage", timeout: timeout ?? timeouts.pullImage) { options in
            try await imageService.pullImage(request, options: options)
        }
    }

    /// RemoveImage: Removes an image. Idempotent.
    /// - Parameter timeout: overrides the call's deadline.
    public func removeImage(
        _ request: Runtime_V1_RemoveImageRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_RemoveImageResponse {
        try await call("ImageService/RemoveImage", timeout: timeout ?? timeouts.default) { options in
            try await imageService.removeImage(request, options: options)
        }
    }

    /// ImageFsInfo: Usage of the filesystem holding images.
    /// - Parameter timeout: overrides the call's deadline.
    public func imageFsInfo(
        _ request: Runtime_V1_ImageFsInfoRequest,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Runtime_V1_ImageFsInfoResponse {
        try await call("ImageService/ImageFsInfo", timeout: timeout ?? timeouts.read) { options in
            try await imageService.imageFsInfo(request, options: options)
        }
    }
}
