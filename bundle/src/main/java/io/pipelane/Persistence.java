package io.pipelane;

/**
 * Whether a connection keeps the transport open for several requests, and pipelines them.
 * The names follow cohttp's {@code ?persistent} argument: {@code true}, {@code false} or left out.
 */
public enum Persistence {
    /**
     * The server is assumed to support keep-alive and pipelining: several requests may be written before
     * any response arrives, and request bodies of unknown length are sent chunked.
     */
    TRUE,
    /**
     * One request, sent with {@code Connection: close}; the connection closes as soon as its response is
     * complete. {@link Connection#isClosed()} is {@code true} as soon as that request has been accepted.
     */
    FALSE,
    /**
     * The default. The first request is written alone and the first response decides (RFC 9112 §9.3): an
     * HTTP/1.1 response without a {@code close} connection option and with a self-delimited body turns
     * pipelining on; {@code Connection: close}, HTTP/1.0 without {@code keep-alive}, a close-delimited body
     * or a framing error make the connection non-persistent, and the requests queued behind the first one
     * fail with {@link RetryException} (they were never written). HTTP/1.0 with {@code keep-alive} keeps the
     * connection but sends one request at a time.
     */
    AUTO
}
