package io.pipelane.internal.codec;

/** How the end of a response body is found (RFC 9112 §6.3). */
public enum BodyFraming {
    /** No body: a response to HEAD, a 1xx, 204 or 304 response, or {@code Content-Length: 0}. */
    NONE,
    /** {@code Content-Length} bytes. */
    CONTENT_LENGTH,
    /** The chunked transfer coding, then trailer fields. */
    CHUNKED,
    /** Everything until the server closes the connection; the connection cannot be reused. */
    CLOSE_DELIMITED
}
