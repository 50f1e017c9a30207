package io.pipelane;

import java.time.Duration;

/**
 * A timeout expired. Mostly it is the <em>cause</em> of a request's failure, not the failure itself: a read timeout
 * of {@link ConnectionOptions} ends the connection like a FIN would, and every outstanding request, the one whose
 * response was late included, fails as RFC 9112 §9.3.1 classifies an unanswered request:
 * {@link RetryException} when it was never written, written behind {@code Connection: close}, or is idempotent;
 * else {@link PossiblyProcessedException}; a buffered body cut short fails as {@link RetryException} when the
 * request is idempotent, else as a {@link PipelaneException} saying it was cut short. This exception, their
 * cause, names the {@link #phase()}, the {@link #timeout()} and where the response stood. So a {@code GET} that
 * a silent server left unanswered may be sent again (a {@link ConnectionCache} does, at most
 * {@link CacheOptions#retry()} times), and a {@code POST} that timed out never is.
 *
 * <p>A request fails with this exception itself when the timeout was its own rather than its connection's:
 * {@link Phase#CACHE_WAIT} (a {@link ConnectionCache} found no connection with room within
 * {@link CacheOptions#waitTimeout()}; the request was never sent and no connection is closed) and
 * {@link Phase#BODY_READ} (the application did not read a streamed body; reading the stream fails with it).
 *
 * <p>A {@link Phase#WRITE} timeout ends only the writing, as a failed write does: the request being written fails
 * at once, classified the same way with this exception as its cause; the requests not yet written fail as never
 * sent ({@link RetryException}); the output is shut, and the responses to the requests written before are still
 * read and delivered. The connect and handshake timeouts fail the waiting requests as never sent, with this
 * exception as the cause.
 */
public class PipelaneTimeoutException extends PipelaneException {
    private static final long serialVersionUID = 1L;

    /** Which timeout expired. */
    public enum Phase {
        /** Establishing the TCP (or Unix socket) connection. */
        CONNECT,
        /** The TLS handshake. */
        HANDSHAKE,
        /** Waiting for the first byte of a response after its request was written. */
        RESPONSE,
        /** Silence in the middle of a response. */
        IDLE_READ,
        /** A response head that took longer than {@link ConnectionOptions#responseHeadTimeout()} to arrive whole. */
        RESPONSE_HEAD,
        /** A response body arriving slower than {@link ConnectionOptions#minBodyRate()}. */
        BODY_RATE,
        /** A socket write, or a request body's {@code writeTo}, that made no progress. */
        WRITE,
        /** A streamed response body that the application did not read. */
        BODY_READ,
        /**
         * Waiting in a {@link ConnectionCache} for a connection with room ({@link CacheOptions#waitTimeout()}):
         * the request was never sent, and no connection was closed.
         */
        CACHE_WAIT
    }

    private final Phase phase;
    private final Duration timeout;

    public PipelaneTimeoutException(Phase phase, Duration timeout, String message) {
        super(message + " (" + phase + " timeout " + timeout.toMillis() + " ms)");
        this.phase = phase;
        this.timeout = timeout;
    }

    public Phase phase() {
        return phase;
    }

    public Duration timeout() {
        return timeout;
    }
}
