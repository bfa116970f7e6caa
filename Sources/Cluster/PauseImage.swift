import Foundation

/// `registry.k8s.io/pause:3.10`, built offline: no registry is reachable from these machines, and every
/// pod sandbox needs it. A tiny static C program (PID 1 of the sandbox: reaps orphans, exits 0 on
/// SIGINT/SIGTERM, otherwise sleeps) in a one-layer OCI image, cached under `$SKIFF_HOME/images/` so only
/// the first cluster on a machine pays for the compile.
public enum PauseImage {
    public static let reference = "registry.k8s.io/pause:3.10"
    public static let tag = "3.10"
    /// The user upstream's pause image runs as.
    public static let user = "65535:65535"

    public static var cachedArchive: URL {
        ClusterPaths.home.appendingPathComponent("images/pause-3.10.oci.tar")
    }

    /// Our own pause: the same contract as upstream's (PID 1 that does nothing but reap and wait).
    public static let source = #"""
    #include <signal.h>
    #include <string.h>
    #include <sys/wait.h>
    #include <unistd.h>

    static void on_stop(int sig) { (void)sig; _exit(0); }

    static void on_child(int sig) {
        (void)sig;
        while (waitpid(-1, 0, WNOHANG) > 0) {}
    }

    int main(int argc, char **argv) {
        if (argc > 1 && strcmp(argv[1], "-v") == 0) {
            static const char v[] = "pause.c skiff 3.10\n";
            write(1, v, sizeof v - 1);
            return 0;
        }
        if (getpid() != 1) {
            static const char w[] = "Warning: pause should be the first process\n";
            write(2, w, sizeof w - 1);
        }
        struct sigaction stop = {0}, child = {0};
        stop.sa_handler = on_stop;
        child.sa_handler = on_child;
        child.sa_flags = SA_NOCLDSTOP | SA_RESTART;
        if (sigaction(SIGINT, &stop, 0) < 0 || sigaction(SIGTERM, &stop, 0) < 0 || sigaction(SIGCHLD, &child, 0) < 0) {
            return 1;
        }
        for (;;) pause();
        return 42;
    }
    """#

    /// The image around a compiled pause binary (pure: same binary, same bytes).
    public static func archive(binary: Data, architecture: String = OCIImageArchive.hostArchitecture) throws -> OCIImageArchive {
        var layer = TarWriter()
        try layer.addFile("pause", contents: binary, mode: 0o755)
        return OCIImageArchive(
            reference: reference, tag: tag, architecture: architecture,
            config: .init(user: user, env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                          entrypoint: ["/pause"], workingDir: "/"),
            layer: layer.finished())
    }

    /// The cached archive, built first if missing (installing a C compiler and static libc when needed).
    public static func ensure(packages: HostPackages) throws -> URL {
        let target = cachedArchive
        if FileManager.default.fileExists(atPath: target.path) { return target }
        try packages.ensure(HostPackages.pauseBuild)
        let fm = FileManager.default
        try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let work = fm.temporaryDirectory.appendingPathComponent("skiff-pause-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        let src = work.appendingPathComponent("pause.c"), bin = work.appendingPathComponent("pause")
        try Data(source.utf8).write(to: src)
        try HostCommand("cc", "-static", "-Os", "-s", "-o", bin.path, src.path).run()
        let data = try archive(binary: Data(contentsOf: bin)).archive()
        // Written aside and renamed, so a concurrent create never reads half an archive.
        let partial = target.appendingPathExtension("\(getpid()).partial")
        try data.write(to: partial)
        if rename(partial.path, target.path) != 0 {
            try? fm.removeItem(at: partial)
            throw ClusterError("cannot write \(target.path): \(String(cString: strerror(errno)))")
        }
        return target
    }
}
