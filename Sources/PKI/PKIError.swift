import Foundation

/// Why a PKI operation failed; the description is meant for a person running `skiff`.
public enum PKIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A SAN or node IP that is neither dotted IPv4 nor IPv6 text.
    case invalidIPAddress(String)
    /// A certificate request without a name to put in the subject (kubeadm refuses these too).
    case emptyCommonName
    /// The private key does not belong to the certificate it was loaded with.
    case keyDoesNotMatchCertificate
    /// The certificate loaded as a CA lacks `CA:TRUE` or the keyCertSign key usage.
    case notACertificateAuthority(String)
    /// The PEM text held no block of the expected kind.
    case noPEMBlock(expected: String)
    /// A validity that is zero or negative.
    case invalidValidity(TimeInterval)
    /// A kubeconfig that is not a YAML/JSON mapping of the expected shape.
    case invalidKubeconfig(String)
    /// Another writer (kubectl, another `skiff`) held the kubeconfig's lock file for too long.
    case kubeconfigLocked(String)
    /// A file could not be read or written.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidIPAddress(let text):
            return "invalid IP address \(String(reflecting: text))"
        case .emptyCommonName:
            return "must specify a CommonName"
        case .keyDoesNotMatchCertificate:
            return "the private key does not match the certificate's public key"
        case .notACertificateAuthority(let subject):
            return "certificate \(subject) is not a certificate authority (needs CA:TRUE and keyCertSign)"
        case .noPEMBlock(let expected):
            return "no \(expected) PEM block found"
        case .invalidValidity(let seconds):
            return "certificate validity must be positive, got \(seconds) seconds"
        case .invalidKubeconfig(let reason):
            return "invalid kubeconfig: \(reason)"
        case .kubeconfigLocked(let lockPath):
            return "kubeconfig is locked by another writer: \(lockPath) exists"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
