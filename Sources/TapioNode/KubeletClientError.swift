/// Why fetching the kubelet's /pods failed; each case prints as one line that says what to fix.
public enum KubeletClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kubelet URL is not an http(s) URL.
    case invalidURL(String)
    /// The bearer token file could not be read, or is empty.
    case tokenFile(path: String, reason: String)
    /// A custom CA file was given but this platform's URLSession cannot use one.
    case customCAUnsupported(path: String)
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
        case .customCAUnsupported(let path):
            return "kubelet CA file \(path): a custom CA is not supported by URLSession on Linux;"
                + " add the CA to the system trust store (update-ca-certificates) and omit the CA file"
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
