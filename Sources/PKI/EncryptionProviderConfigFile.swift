import Crypto
import Foundation

/// The `EncryptionConfiguration` a new cluster's API server encrypts Secrets with
/// (`--encryption-provider-config`): one random 32-byte AES-GCM key, written beside the CA's keys and as
/// private as they are (0600), since whoever reads it can read every Secret in the store.
///
/// AES-GCM rather than AES-CBC: it is authenticated, so a changed value fails to decrypt instead of reading
/// back as garbage. Upstream asks for a new AES-GCM key every 200,000 writes (its nonces are random);
/// docs/encryption-at-rest.md says how to rotate.
public enum EncryptionProviderConfigFile {
    /// The name the key is stored under (`k8s:enc:aesgcm:v1:key1:` prefixes each value).
    public static let keyName = "key1"

    /// The file's text for `secret` (raw key bytes).
    public static func text(secret: Data) -> String {
        """
        # Written by `skiff create cluster`: the key Secrets are encrypted with in the store. Whoever reads
        # this file can read every Secret; to rotate the key see docs/encryption-at-rest.md.
        apiVersion: apiserver.config.k8s.io/v1
        kind: EncryptionConfiguration
        resources:
        - resources:
          - secrets
          providers:
          - aesgcm:
              keys:
              - name: \(keyName)
                secret: \(secret.base64EncodedString())

        """
    }

    /// Writes a configuration with a fresh random key to `url` (mode 0600).
    public static func create(at url: URL) throws(PKIError) {
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        try SecureFile.write(Data(text(secret: key).utf8), to: url, mode: SecureFile.privateMode)
    }
}
