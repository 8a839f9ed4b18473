package import Logging

/// The server's settings, validated once by the `zamin` command and passed down; no module
/// below `zamin` reads the environment.
package struct ServerConfig: Sendable {
    package var host: String
    package var port: Int
    package var databasePath: String
    /// Public POSTs (filing a request) each client address may make per minute (token bucket).
    package var publicPostsPerMinute = 10
    /// The citizen GETs answered in the channel pipeline (`InlineAnswerHandler`); off, every
    /// request goes through the router (the comparison the tests and benchmarks make).
    package var answersCitizenRequestsInline = true
    /// A connection with no request in progress that reads and writes nothing this long is closed.
    package var idleTimeoutSeconds = 60
    /// `--public-url`: when set, the base of every link the server writes (PublicURL.swift).
    package var publicURL: PublicURL?
    /// `--trusted-proxy`: the peers whose forwarded header fields are believed.
    package var trustedProxies = TrustedProxies()

    /// The links' base and the clients' addresses, from the two settings above.
    package var origin: PublicOrigin { PublicOrigin(publicURL: publicURL, trustedProxies: trustedProxies) }
    /// The level of the access log's line per request (`Observability`); nil: no line.
    package var accessLogLevel: Logger.Level?
    /// The operators' listener with `GET /metrics` (`buildMetricsApplication`); nil: none.
    package var metricsHost = "127.0.0.1"
    package var metricsPort: Int?

    package init(host: String = "127.0.0.1", port: Int = 8080, databasePath: String) {
        self.host = host
        self.port = port
        self.databasePath = databasePath
    }
}
