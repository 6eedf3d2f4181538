import Foundation
import NIOCore
import NIOSSL

/// Fetches the pods bound to this node from the kubelet: `GET <kubelet-url>/pods` with
/// `Authorization: Bearer <token>` (the token file is re-read on every fetch, since projected
/// service-account tokens rotate).
///
/// HTTPS trusts `caFile` when given (the CA that signed the kubelet's serving certificate,
/// often the cluster CA at /var/run/secrets/kubernetes.io/serviceaccount/ca.crt), otherwise
/// the system trust store; `insecureSkipTLSVerify` accepts any certificate (self-signed
/// kubelet certificates, like metrics-server's --kubelet-insecure-tls).
public struct KubeletClient: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// e.g. https://127.0.0.1:10250 (the kubelet's authenticated port) or
        /// http://127.0.0.1:10255 (the deprecated read-only port).
        public var baseURL: String
        /// File holding the bearer token, e.g.
        /// /var/run/secrets/kubernetes.io/serviceaccount/token; nil sends no Authorization.
        public var tokenFile: String?
        /// PEM CA bundle for the kubelet's serving certificate.
        public var caFile: String?
        /// Accept any server certificate (no verification at all).
        public var insecureSkipTLSVerify: Bool
        /// Whole-request timeout.
        public var timeout: Duration
        /// A pod list larger than this is refused (about 110 pods make a few MiB).
        public var maxBodyBytes: Int

        public init(
            baseURL: String, tokenFile: String? = nil, caFile: String? = nil, insecureSkipTLSVerify: Bool = false,
            timeout: Duration = .seconds(5), maxBodyBytes: Int = 64 << 20
        ) {
            self.baseURL = baseURL
            self.tokenFile = tokenFile
            self.caFile = caFile
            self.insecureSkipTLSVerify = insecureSkipTLSVerify
            self.timeout = timeout
            self.maxBodyBytes = maxBodyBytes
        }
    }

    public let configuration: Configuration
    public let podsURL: URL
    private let request: OneShotHTTPGet

    public init(configuration: Configuration) throws(KubeletClientError) {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base + "/pods"), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else {
            throw .invalidURL(configuration.baseURL)
        }
        let https = scheme == "https"
        var tls: NIOSSLContext?
        if https {
            var settings = TLSConfiguration.makeClientConfiguration()
            if configuration.insecureSkipTLSVerify {
                settings.certificateVerification = .none
            } else if let caFile = configuration.caFile {
                let certificates: [NIOSSLCertificate]
                do {
                    certificates = try NIOSSLCertificate.fromPEMFile(caFile)
                } catch {
                    throw .caFile(path: caFile, reason: access(caFile, R_OK) == 0 ? "holds no PEM certificate" : "cannot be read")
                }
                guard !certificates.isEmpty else { throw .caFile(path: caFile, reason: "holds no PEM certificate") }
                settings.trustRoots = .certificates(certificates)
            }
            do {
                tls = try NIOSSLContext(configuration: settings)
            } catch {
                throw .transport(url: url.absoluteString, message: "TLS set-up failed: \(error)")
            }
        } else if configuration.caFile != nil || configuration.insecureSkipTLSVerify {
            throw .tlsOptionsWithoutHTTPS(configuration.baseURL)
        }
        self.configuration = configuration
        self.podsURL = url
        let (seconds, attoseconds) = configuration.timeout.components
        let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        request = OneShotHTTPGet(
            host: bareHost, port: url.port ?? (https ? 443 : 80),
            target: url.path.isEmpty ? "/pods" : url.path + (url.query.map { "?" + $0 } ?? ""),
            headers: [("Accept", "application/json")], tls: tls,
            timeout: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000),
            maxBodyBytes: configuration.maxBodyBytes)
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
        var request = self.request
        if let tokenFile = configuration.tokenFile {
            request.headers.append(("Authorization", "Bearer \(try Self.readToken(tokenFile))"))
        }
        let url = podsURL.absoluteString
        let response: OneShotHTTPGet.Response
        do {
            response = try await request.run()
        } catch {
            throw .transport(url: url, message: Self.describe(error))
        }
        let data = Data(response.body.readableBytesView)
        guard (200..<300).contains(response.status) else {
            let excerpt = String(decoding: data.prefix(200), as: UTF8.self)
                .split(whereSeparator: \.isNewline).joined(separator: " ")
            throw .httpStatus(url: url, status: response.status, body: excerpt)
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

    /// One line, with what to do about the usual TLS failures.
    static func describe(_ error: any Error) -> String {
        let text = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "TLS: the kubelet's certificate is not trusted (give the CA that signed it with --kubelet-ca-file, or --kubelet-insecure-skip-tls-verify for self-signed kubelet certificates): \(text)"
        }
        if text.contains("failedToValidateHostname") {
            return "TLS: the kubelet's certificate does not name the host or address in --kubelet-url: \(text)"
        }
        if let error = error as? IOError { return error.description }
        return text
    }
}
