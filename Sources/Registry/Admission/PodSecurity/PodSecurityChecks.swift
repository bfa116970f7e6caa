import APIMachinery

/// Every Pod Security Standards check of upstream v1.32, each defined in the file named after it.
public enum PodSecurityChecks {
    public static let all: [PodSecurityCheck] = [
        allowPrivilegeEscalation, appArmorProfile, capabilitiesBaseline, capabilitiesRestricted,
        hostNamespaces, hostPathVolumes, hostPorts, privileged, procMount, restrictedVolumes,
        runAsNonRoot, runAsUser, seLinuxOptions, seccompProfileBaseline, seccompProfileRestricted,
        sysctls, windowsHostProcess,
    ]
}
