/// A pod volume that cannot be set up yet (its ConfigMap or Secret is missing, a hostPath is not what its
/// type demands): the pod waits in ContainerCreating and the kubelet records upstream's FailedMount event
/// with this description, retrying with back-off.
public struct VolumeSetUpError: Error, Sendable, Equatable, CustomStringConvertible {
    public var volume: String
    public var message: String

    public init(volume: String, message: String) {
        self.volume = volume
        self.message = message
    }

    public var description: String { "MountVolume.SetUp failed for volume \"\(volume)\" : \(message)" }
}
