package io.pipelane;

import java.util.Objects;

/** The status line and header fields of a response, as received. Immutable. */
public final class ResponseHead {
    private final HttpVersion version;
    private final int status;
    private final String reason;
    private final Headers headers;
    private final long bodyLength;

    /** A head whose body length is not known in advance ({@link #bodyLength()} -1). */
    public ResponseHead(HttpVersion version, int status, String reason, Headers headers) {
        this(version, status, reason, headers, -1);
    }

    /**
     * @param bodyLength the length of the body that follows, as its framing declares it; 0 when none follows;
     *                   -1 when not known in advance
     */
    public ResponseHead(HttpVersion version, int status, String reason, Headers headers, long bodyLength) {
        this.version = Objects.requireNonNull(version, "version");
        this.status = status;
        this.reason = Objects.requireNonNull(reason, "reason");
        this.headers = Objects.requireNonNull(headers, "headers");
        if (bodyLength < -1) throw new IllegalArgumentException("bodyLength " + bodyLength + " < -1");
        this.bodyLength = bodyLength;
    }

    public HttpVersion version() {
        return version;
    }

    /** The three-digit status code. */
    public int status() {
        return status;
    }

    /** The reason phrase, possibly empty. */
    public String reason() {
        return reason;
    }

    public Headers headers() {
        return headers;
    }

    /**
     * The length in bytes of the body that follows this head, as the response's framing declares it (RFC 9112
     * §6.3): its {@code Content-Length}; 0 when no body follows (a response to HEAD, a 204, a 304, a
     * {@code Content-Length: 0}); -1 when the length is not known before the body ends (chunked, or delimited by
     * the server closing) and for interim responses. Decided once, with the framing, when the head is parsed.
     */
    public long bodyLength() {
        return bodyLength;
    }

    /** Whether this is an interim (1xx) response. */
    public boolean isInterim() {
        return status < 200;
    }

    @Override
    public String toString() {
        return version + " " + status + (reason.isEmpty() ? "" : " " + reason);
    }
}
