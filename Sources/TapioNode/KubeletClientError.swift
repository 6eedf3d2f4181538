/// Why fetching the kubelet's /pods failed; each case prints as one line that says what to fix.
public enum KubeletClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kubelet URL is not an http(s) URL.
    case invalidURL(String)
    /// The bearer token file could not be read, or is empty.
    case tokenFile(path: String, reason: String)
    /// The CA file cannot be read or holds no PEM certificate.
    case caFile(path: String, reason: String)
    /// A CA file or skipping verification was asked for a plain http:// URL.
    case tlsOptionsWithoutHTTPS(String)
    /// Connection refused, TLS failure, timeout, ...
    case transport(url: String, message: String)
    /// The kubelet answered with a non-2xx status.
    case httpStatus(url: String, status: Int, body: String)
    /// The body is not a PodList.
    case decoding(url: String, message: String)

    public var description: String {
        switch self {
        case .invalidURL(let url):
            return "kubelet URL \"\(url)\" is not an http:// or https:// URL (e.g. https://127.0.0.1:10250)"
        case .tokenFile(let path, let reason):
            return "kubelet token file \(path): \(reason)"
        case .caFile(let path, let reason):
            return "kubelet CA file \(path) \(reason)"
        case .tlsOptionsWithoutHTTPS(let url):
            return "kubelet URL \"\(url)\" is plain http://: a CA file or skipping TLS verification needs https://"
        case .transport(let url, let message):
            return "GET \(url) failed: \(message)"
        case .httpStatus(let url, let status, let body):
            let hint =
                switch status {
                case 401: " (token missing or invalid)"
                case 403: " (token lacks RBAC permission for nodes/proxy or nodes/pods)"
                default: ""
                }
            return "GET \(url) returned HTTP \(status)\(hint)\(body.isEmpty ? "" : ": \(body)")"
        case .decoding(let url, let message):
            return "GET \(url): response is not a PodList: \(message)"
        }
    }
}
