package io.pipelane;

import java.time.Duration;

/**
 * A timeout of {@link ConnectionOptions} expired. The connection is closed; the request that was waiting when
 * the timeout expired fails with this exception and the others fail with {@link RetryException} or
 * {@link PossiblyProcessedException} whose cause is this exception. Pipelane never retries the request that
 * timed out: a slow server is not made faster by sending it the same request again.
 *
 * <p>{@link Phase#CACHE_WAIT} is the exception: a {@link ConnectionCache} found no connection with room within
 * {@link CacheOptions#waitTimeout()}; that request was never sent and no connection is closed.
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
