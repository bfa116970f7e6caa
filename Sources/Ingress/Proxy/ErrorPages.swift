import NIOCore
import NIOHTTP1

/// The controller's own answers, in the shape ingress-nginx gives them (an HTML page titled with the
/// status), for requests it cannot pass on.
enum ErrorPages {
    static func title(_ status: HTTPResponseStatus) -> String {
        switch status {
        case .serviceUnavailable: return "503 Service Temporarily Unavailable"
        case .gatewayTimeout: return "504 Gateway Time-out"
        default: return "\(status.code) \(status.reasonPhrase)"
        }
    }

    static func body(_ status: HTTPResponseStatus) -> String {
        let t = title(status)
        return "<html>\r\n<head><title>\(t)</title></head>\r\n<body>\r\n<center><h1>\(t)</h1></center>\r\n<hr><center>skiff-ingress</center>\r\n</body>\r\n</html>\r\n"
    }
}
