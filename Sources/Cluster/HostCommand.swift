import Foundation

/// Runs a host tool (`ip`, `ctr`, `cc`, `apt-get`) to completion and captures what it printed, so a
/// failure can name the command and quote its error.
public struct HostCommand: Sendable {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public var arguments: [String]
    public var environment: [String: String]? = nil

    public init(_ arguments: [String], environment: [String: String]? = nil) {
        precondition(!arguments.isEmpty)
        self.arguments = arguments
        self.environment = environment
    }

    public init(_ arguments: String...) { self.init(arguments) }

    /// The command line as a user would type it, for messages.
    public var display: String { arguments.joined(separator: " ") }

    /// Runs and returns the result whatever the exit status.
    public func result() throws -> Result {
        let p = Process()
        let first = arguments[0]
        if first.hasPrefix("/") {
            p.executableURL = URL(fileURLWithPath: first)
            p.arguments = Array(arguments.dropFirst())
        } else {
            guard let path = Self.which(first) else { throw ClusterError("\(first) is not installed (needed for: \(display))") }
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = Array(arguments.dropFirst())
        }
        if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read both pipes while the process runs, so a chatty tool cannot block on a full pipe.
        let errBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errBox.data, as: UTF8.self))
    }

    /// Runs and returns stdout; a non-zero exit throws with the command and its stderr.
    @discardableResult
    public func run() throws -> String {
        let r = try result()
        guard r.status == 0 else {
            let why = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw ClusterError("`\(display)` failed (exit \(r.status))\(why.isEmpty ? "" : ": \(why)")")
        }
        return r.stdout
    }

    /// The absolute path of a program on PATH (plus the sbin directories a non-login root shell may lack).
    public static func which(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        for dir in dirs where !dir.isEmpty {
            let candidate = dir + "/" + program
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// Bytes one reader thread fills and the caller reads after `DispatchGroup.wait()` (which orders the two).
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
