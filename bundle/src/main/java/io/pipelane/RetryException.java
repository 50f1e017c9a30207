package io.pipelane;

import java.util.Objects;

/**
 * The request may safely be sent again on another connection. Raised (as the failure of the future returned
 * by {@link Connection#call}) for one of the {@link Reason}s: the connection refused it untouched, it was never
 * written, it was written behind a response that announced {@code Connection: close}, or it was written, not
 * answered, and is idempotent. {@link #reason()} tells which, so a caller knows whether the server
 * {@linkplain #certainlyNotProcessed() certainly did not process it} and whether a one-shot body was touched.
 * The cause, when present, says why: what ended the connection or its writing (an I/O error, a
 * {@link PipelaneTimeoutException}, a {@link ConnectionClosedException}), or, for {@link Reason#REFUSED}, why the
 * connection no longer accepts requests (the failure that ended it, or a {@link ConnectionClosedException} naming
 * {@code shutdown()}, the response that ended persistence, or persistence {@code FALSE}).
 */
public class RetryException extends PipelaneException {
    private static final long serialVersionUID = 1L;

    /** Why the request may be sent again. */
    public enum Reason {
        /**
         * The connection was closed, or no longer accepted requests, when {@code call} was made: nothing of the
         * request was touched, not even a one-shot body.
         */
        REFUSED,
        /** The request was never written before the connection ended (a one-shot body may have been read). */
        NOT_SENT,
        /**
         * The request was written after a response that carried {@code Connection: close}: the server must not
         * process it (RFC 9112 §9.6).
         */
        SENT_AFTER_CLOSE,
        /**
         * The request was written and not answered, and its method is idempotent (RFC 9110 §9.2.2): the server may
         * have processed it, and sending it again has the same effect as sending it once.
         */
        IDEMPOTENT_UNANSWERED
    }

    private final Reason reason;

    /** A retry whose reason is not known: taken as {@link Reason#IDEMPOTENT_UNANSWERED}, the cautious one. */
    public RetryException(String message) {
        this(Reason.IDEMPOTENT_UNANSWERED, message, null);
    }

    /** A retry whose reason is not known: taken as {@link Reason#IDEMPOTENT_UNANSWERED}, the cautious one. */
    public RetryException(String message, Throwable cause) {
        this(Reason.IDEMPOTENT_UNANSWERED, message, cause);
    }

    public RetryException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why the request may be sent again. */
    public Reason reason() {
        return reason;
    }

    /** Whether the server certainly did not process the request: every reason but {@link Reason#IDEMPOTENT_UNANSWERED}. */
    public boolean certainlyNotProcessed() {
        return reason != Reason.IDEMPOTENT_UNANSWERED;
    }
}
