package io.pipelane;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link ConnectionListener} is told: immutable records, built only when a listener is registered.
 * Every event names its {@link #endpoint()} (the configured endpoint's name, else the endpoint's URI, as in
 * {@link CacheMetrics#key()}) and when it happened ({@link #nanoTime()}, {@link System#nanoTime()}).
 * Events about one connection carry its {@link ConnectionId}.
 */
public sealed interface ConnectionEvent {

    /** The endpoint's configured name, else its URI ({@link Endpoint#toUri()}). */
    String endpoint();

    /** When the event happened, as {@link System#nanoTime()}. */
    long nanoTime();

    /**
     * Which connection an event is about.
     *
     * @param id       unique within its factory, increasing (the {@code #N} of the connection's {@code toString()})
     * @param endpoint the endpoint's name, else its URI
     * @param address  the endpoint connected to
     */
    record ConnectionId(long id, String endpoint, Endpoint address) {
        public ConnectionId {
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(address, "address");
        }

        @Override
        public String toString() {
            return "Connection#" + id + "[" + endpoint + "]";
        }
    }

    /** Why a connection does or does not pipeline. */
    enum PersistenceReason {
        /** {@link Persistence#TRUE}: pipelining from the first request. */
        CONFIGURED_TRUE,
        /** {@link Persistence#FALSE}: one request, then the connection closes. */
        CONFIGURED_FALSE,
        /** {@link Persistence#AUTO}: the first response was HTTP/1.1 and kept the connection alive. */
        HTTP_1_1_KEEP_ALIVE,
        /** {@link Persistence#AUTO}: HTTP/1.0 with {@code keep-alive}: persistent, one request at a time. */
        HTTP_1_0_KEEP_ALIVE,
        /** The first response carried {@code Connection: close}. */
        CONNECTION_CLOSE,
        /** The first response was HTTP/1.0 without {@code keep-alive}. */
        HTTP_1_0,
        /** The first response's body ends when the server closes (no length, not chunked). */
        CLOSE_DELIMITED
    }

    /** What a failed request's caller may do, from the exception it got. */
    enum FailureKind {
        /**
         * {@link RetryException}: never processed by the server (refused by a closing or failed connection or a full
         * cache queue, never written, written behind {@code Connection: close}), or idempotent; safe to send again.
         */
        RETRY,
        /** {@link PossiblyProcessedException}: written, unanswered, not idempotent. */
        POSSIBLY_PROCESSED,
        /**
         * The request failed with a {@link PipelaneTimeoutException} itself: it waited in a cache for room
         * ({@code CACHE_WAIT}) or its streamed body was not read ({@code BODY_READ}). A timeout that ends a
         * connection fails its requests as {@link #RETRY} or {@link #POSSIBLY_PROCESSED} (RFC 9112 §9.3.1), with
         * {@link RequestFailed#timeoutPhase()} set.
         */
        TIMEOUT,
        /** Its response was malformed ({@link MalformedResponseException}). */
        MALFORMED,
        /** Anything else: a response cut short, a body handler's error, a limit exceeded. */
        OTHER;

        /** The kind of the exception a caller got. */
        public static FailureKind of(Throwable error) {
            if (error instanceof RetryException) return RETRY;
            if (error instanceof PossiblyProcessedException) return POSSIBLY_PROCESSED;
            if (error instanceof PipelaneTimeoutException) return TIMEOUT;
            if (error instanceof MalformedResponseException) return MALFORMED;
            return OTHER;
        }
    }

    /** Why a connection ended. */
    enum CloseReason {
        /** It finished: shut down after its last request, or its last response ended it (e.g. {@code Connection: close}). */
        COMPLETED,
        /** The application closed it ({@link Connection#close()}, the factory or the bundle closing). */
        CLOSED,
        /** The server closed it while requests were outstanding, or idle. */
        SERVER_CLOSED,
        /** Connecting failed (TCP, TLS, proxy). */
        CONNECT_FAILED,
        /** A timeout ({@link PipelaneTimeoutException}). */
        TIMEOUT,
        /** A malformed response. */
        MALFORMED,
        /** An I/O error or another failure. */
        FAILED
    }

    /** Whether a request was sent again after a failure, or moved untouched to another connection. */
    enum Resend {
        /** Sent again after a {@link RetryException} (counts against {@link CacheOptions#retry()}). */
        RETRY,
        /**
         * Placed on another connection without counting as a retry: the server certainly did not process it
         * (refused, never written, or written behind a response with {@code Connection: close}).
         */
        REPLACEMENT
    }

    /**
     * A connection is established.
     *
     * @param connectTime   from the start of connecting to TCP (or Unix socket, or proxy tunnel) connected
     * @param handshakeTime the TLS handshake; {@link Duration#ZERO} without TLS
     * @param transport     what was established, e.g. {@code TLSv1.3 TLS_AES_128_GCM_SHA256 to 127.0.0.1:8443}
     */
    record ConnectionOpened(ConnectionId connection, long nanoTime, Duration connectTime, Duration handshakeTime,
                            String transport) implements ConnectionEvent {
        @Override
        public String endpoint() {
            return connection.endpoint();
        }
    }

    /** A connection decided whether it pipelines; {@code pipelining} false means one request at a time. */
    record PersistenceDecided(ConnectionId connection, long nanoTime, boolean pipelining, PersistenceReason reason)
            implements ConnectionEvent {
        @Override
        public String endpoint() {
            return connection.endpoint();
        }
    }

    /**
     * A connection accepted a request.
     *
     * @param sequence the request's place on its connection, from 1
     */
    record RequestQueued(ConnectionId connection, long nanoTime, Request request, long sequence)
            implements ConnectionEvent {
        @Override
        public String endpoint() {
            return connection.endpoint();
        }
    }

    /**
     * A request is wholly written.
     *
     * @param bytes the request's bytes on the wire, head and body (chunk framing included)
     */
    record RequestWritten(ConnectionId connection, long nanoTime, Request request, long sequence, long bytes)
            implements ConnectionEvent {
        @Override
        public String endpoint() {
            return connection.endpoint();
        }
    }

    /** The final head of a request's response arrived; {@code sinceWritten} is the time to first byte. */
    record ResponseHeadReceived(ConnectionId connection, long nanoTime, Request request, long sequence,
                                ResponseHead head, Duration sinceWritten) implements ConnectionEvent {
        @Override
        public String endpoint() {
            return connection.endpoint();
        }
    }

    /**
     * A response was read to its end and its body sink accepted the end (else the request is reported as a
     * {@link RequestFailed}).
     *
     * @param bodyBytes the body's bytes as decoded (without chunk framing)
     * @param duration  from the connection accepting the request to the response's end (queueing included)
     */
    record ResponseCompleted(ConnectionId connection, long nanoTime, Request request, long sequence, int status,
                             long bodyBytes, Duration duration) implements ConnectionEvent {
        @Override
        public String endpoint() {
            return connection.endpoint();
        }
    }

    /**
     * A request failed on a connection.
     *
     * @param kind         what the caller may do ({@link FailureKind#of} of {@code error})
     * @param timeoutPhase the phase of the timeout that caused it (the error itself or its cause), else null
     * @param malformed    whether a malformed response caused it (the error itself or its cause)
     * @param error        the exception the caller got
     * @param duration     from the connection accepting the request to its failure
     */
    record RequestFailed(ConnectionId connection, long nanoTime, Request request, long sequence, FailureKind kind,
                         PipelaneTimeoutException.Phase timeoutPhase, boolean malformed, Throwable error,
                         Duration duration) implements ConnectionEvent {
        @Override
        public String endpoint() {
            return connection.endpoint();
        }
    }

    /**
     * A {@link ConnectionCache} sent a request again or moved it.
     *
     * @param attempt the retries of this request so far, this one included for a retry
     * @param cause   the {@link RetryException} that made it resend
     */
    record RequestResent(String endpoint, long nanoTime, Request request, Resend resend, int attempt,
                         Throwable cause) implements ConnectionEvent {
    }

    /**
     * A {@link ConnectionCache} learned a limit of a server and applies it from now on.
     *
     * @param limit what is limited, e.g. {@code requests per connection}
     * @param value the value learned
     * @param why   what it was learned from
     */
    record LimitLearned(String endpoint, long nanoTime, String limit, long value, String why)
            implements ConnectionEvent {
    }

    /**
     * A connection ended.
     *
     * @param established whether it had been established (false: connecting failed, or it was closed before)
     * @param reason      why it ended
     * @param cause       the exception that ended it (given as cause to the requests it failed)
     * @param lifetime    from the start of connecting to the end
     * @param requests    the requests it accepted
     */
    record ConnectionClosed(ConnectionId connection, long nanoTime, ConnectionState state, boolean established,
                            CloseReason reason, Throwable cause, Duration lifetime, long requests)
            implements ConnectionEvent {
        @Override
        public String endpoint() {
            return connection.endpoint();
        }
    }
}
