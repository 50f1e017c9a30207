package io.pipelane;

/**
 * The life cycle of a {@link Connection}. States only move forward, in this order, except that any state
 * may jump to {@link #CLOSED} or {@link #FAILED}:
 * <pre>
 *   CONNECTING ──► OPEN ──► CLOSING ──► HALF_CLOSED ──► CLOSED
 *        │           │          │             │
 *        └───────────┴──────────┴─────────────┴──────► FAILED
 * </pre>
 */
public enum ConnectionState {
    /** TCP connect and, for {@code https}, the TLS handshake are under way. Requests are queued. */
    CONNECTING(true),
    /** Established; requests are written and responses read. */
    OPEN(true),
    /**
     * No new requests are accepted (after {@link Connection#shutdown()}, a response with
     * {@code Connection: close}, or a non-persistent first response). Requests already queued are still
     * written when allowed; responses are still read.
     */
    CLOSING(false),
    /** The write side is shut (TCP FIN, TLS {@code close_notify}); the remaining responses are read. */
    HALF_CLOSED(false),
    /** Closed normally: every accepted request has its outcome. */
    CLOSED(false),
    /** Closed because of an error (connect failure, I/O error, malformed response, timeout). */
    FAILED(false);

    private final boolean acceptsRequests;

    ConnectionState(boolean acceptsRequests) {
        this.acceptsRequests = acceptsRequests;
    }

    /** Whether {@link Connection#call} accepts new requests in this state. */
    public boolean acceptsRequests() {
        return acceptsRequests;
    }

    /** Whether the transport is gone for good ({@link #CLOSED} or {@link #FAILED}). */
    public boolean isTerminal() {
        return this == CLOSED || this == FAILED;
    }
}
