import Logging

/// One logging set-up for every component: human-readable lines on standard error, which the cluster
/// tool's supervisor sends to the component's log file.
enum LoggingSetup {
    static func bootstrap(level: String) -> Logger.Level {
        let lvl = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = lvl
            return h
        }
        return lvl
    }
}
