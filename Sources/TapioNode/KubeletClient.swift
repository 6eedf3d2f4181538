import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fetches the pods bound to this node from the kubelet: `GET <kubelet-url>/pods` with
/// `Authorization: Bearer <token>` (the token file is re-read on every fetch, since projected
/// service-account tokens rotate).
///
/// TLS uses the system trust store. On Linux, URLSession (libcurl underneath) offers no way to
/// pin a CA file, so `caFile` is accepted only where the platform supports it and otherwise
/// rejected with a clear error rather than silently ignored.
public struct KubeletClient: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// e.g. https://127.0.0.1:10250 (the kubelet's authenticated port) or
        /// http://127.0.0.1:10255 (the deprecated read-only port).
        public var baseURL: String
        /// File holding the bearer token, e.g.
        /// /var/run/secrets/kubernetes.io/serviceaccount/token; nil sends no Authorization.
        public var tokenFile: String?
        /// PEM CA bundle for the kubelet's serving certificate (see the type's note).
        public var caFile: String?
        /// Whole-request timeout.
        public var timeout: Duration

        public init(baseURL: String, tokenFile: String? = nil, caFile: String? = nil, timeout: Duration = .seconds(5)) {
            self.baseURL = baseURL
            self.tokenFile = tokenFile
            self.caFile = caFile
            self.timeout = timeout
        }
    }

    public let configuration: Configuration
    public let podsURL: URL
    private let session: URLSession

    public init(configuration: Configuration) throws(KubeletClientError) {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base + "/pods"), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", url.host != nil
        else {
            throw .invalidURL(configuration.baseURL)
        }
        #if os(Linux)
        if let caFile = configuration.caFile {
            throw .customCAUnsupported(path: caFile)
        }
        #endif
        self.configuration = configuration
        self.podsURL = url
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        let seconds = Double(configuration.timeout.components.seconds)
            + Double(configuration.timeout.components.attoseconds) / 1e18
        sessionConfiguration.timeoutIntervalForRequest = seconds
        sessionConfiguration.timeoutIntervalForResource = seconds
        sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
        self.session = URLSession(configuration: sessionConfiguration)
    }

    /// GET /pods and decode it.
    public func fetchPods() async throws(KubeletClientError) -> KubeletPodList {
        let data = try await fetchPodsBody()
        do {
            return try KubeletPodList.decode(data)
        } catch {
            throw .decoding(url: podsURL.absoluteString, message: error.message)
        }
    }

    /// The raw body of GET /pods (for --record style dumps and debugging).
    public func fetchPodsBody() async throws(KubeletClientError) -> Data {
        var request = URLRequest(url: podsURL)
        request.httpMethod = "GET"
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let tokenFile = configuration.tokenFile {
            request.setValue("Bearer \(try Self.readToken(tokenFile))", forHTTPHeaderField: "Authorization")
        }
        let url = podsURL.absoluteString
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw .transport(url: url, message: Self.describe(error))
        }
        guard let http = response as? HTTPURLResponse else {
            throw .transport(url: url, message: "not an HTTP response")
        }
        guard (200..<300).contains(http.statusCode) else {
            let excerpt = String(decoding: data.prefix(200), as: UTF8.self)
                .split(whereSeparator: \.isNewline).joined(separator: " ")
            throw .httpStatus(url: url, status: http.statusCode, body: excerpt)
        }
        return data
    }

    static func readToken(_ path: String) throws(KubeletClientError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .tokenFile(path: path, reason: "cannot be read (\(Self.describe(error)))")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw .tokenFile(path: path, reason: "is empty") }
        guard !token.contains(where: \.isNewline) else {
            throw .tokenFile(path: path, reason: "holds more than one line; expected a single bearer token")
        }
        return token
    }

    private static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        let text = nsError.localizedDescription
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
