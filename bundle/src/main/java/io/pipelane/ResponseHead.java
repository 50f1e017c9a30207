package io.pipelane;

import java.util.Objects;

/** The status line and header fields of a response, as received. Immutable. */
public final class ResponseHead {
    private final HttpVersion version;
    private final int status;
    private final String reason;
    private final Headers headers;

    public ResponseHead(HttpVersion version, int status, String reason, Headers headers) {
        this.version = Objects.requireNonNull(version, "version");
        this.status = status;
        this.reason = Objects.requireNonNull(reason, "reason");
        this.headers = Objects.requireNonNull(headers, "headers");
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

    /** Whether this is an interim (1xx) response. */
    public boolean isInterim() {
        return status < 200;
    }

    @Override
    public String toString() {
        return version + " " + status + (reason.isEmpty() ? "" : " " + reason);
    }
}
