package io.pipelane;

import io.pipelane.internal.config.OptionKeys;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Everything that shapes one connection: persistence, the {@code finalise} callback, TLS, a proxy, timeouts, pipeline
 * depth and parser limits. Immutable; {@link #defaults()} holds safe defaults and {@link #toBuilder()} derives
 * variants.
 *
 * <p>The builder's setter names are also the configuration keys of the OSGi component (see the README).
 * Every timeout is positive: there is no "wait forever".
 */
public final class ConnectionOptions {
    private static final ConnectionOptions DEFAULTS = new Builder().build();

    private final Persistence persistence;
    private final Function<? super Connection, ? extends CompletionStage<Void>> finaliser;
    private final TlsOptions tls;
    private final ProxyOptions proxy;
    private final Executor executor;
    private final Duration connectTimeout;
    private final Duration handshakeTimeout;
    private final Duration responseTimeout;
    private final Duration idleReadTimeout;
    private final Duration writeTimeout;
    private final Duration bodyReadTimeout;
    private final int minBodyRate;
    private final Duration responseHeadTimeout;
    private final int maxQueuedRequests;
    private final Duration finaliserTimeout;
    private final int maxPipelineDepth;
    private final int maxBytesInFlight;
    private final boolean pipelineAfterNonIdempotent;
    private final int maxResponseHeadBytes;
    private final int maxHeaderCount;
    private final int maxChunkLineBytes;
    private final long maxBufferedBodyBytes;
    private final int maxBufferedRequestBodyBytes;

    private ConnectionOptions(Builder b) {
        this.persistence = b.persistence;
        this.finaliser = b.finaliser;
        this.tls = b.tls;
        this.proxy = b.proxy;
        this.executor = b.executor;
        this.connectTimeout = b.connectTimeout;
        this.handshakeTimeout = b.handshakeTimeout;
        this.responseTimeout = b.responseTimeout;
        this.idleReadTimeout = b.idleReadTimeout;
        this.writeTimeout = b.writeTimeout;
        this.bodyReadTimeout = b.bodyReadTimeout;
        this.minBodyRate = b.minBodyRate;
        this.responseHeadTimeout = b.responseHeadTimeout;
        this.maxQueuedRequests = b.maxQueuedRequests;
        this.finaliserTimeout = b.finaliserTimeout;
        this.maxPipelineDepth = b.maxPipelineDepth;
        this.maxBytesInFlight = b.maxBytesInFlight;
        this.pipelineAfterNonIdempotent = b.pipelineAfterNonIdempotent;
        this.maxResponseHeadBytes = b.maxResponseHeadBytes;
        this.maxHeaderCount = b.maxHeaderCount;
        this.maxChunkLineBytes = b.maxChunkLineBytes;
        this.maxBufferedBodyBytes = b.maxBufferedBodyBytes;
        this.maxBufferedRequestBodyBytes = b.maxBufferedRequestBodyBytes;
    }

    public static ConnectionOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** {@link Persistence#AUTO} by default. */
    public Persistence persistence() {
        return persistence;
    }

    /** The {@code finalise} callback, or {@code null}. See {@link Builder#finaliser}. */
    public Function<? super Connection, ? extends CompletionStage<Void>> finaliser() {
        return finaliser;
    }

    public TlsOptions tls() {
        return tls;
    }

    /** The HTTP proxy the connection goes through, or {@code null} to connect directly. See {@link ProxyOptions}. */
    public ProxyOptions proxy() {
        return proxy;
    }

    /** The executor that runs the connection's I/O tasks, or {@code null} for the factory's. */
    public Executor executor() {
        return executor;
    }

    /** TCP (or Unix socket) connect. Default 10 s. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** TLS handshake. Default 10 s. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * From the moment the oldest unanswered request has been written (or the response before it completed,
     * whichever is later) to the first byte of its response. Default 30 s.
     */
    public Duration responseTimeout() {
        return responseTimeout;
    }

    /** Silence in the middle of a response (between two reads). Default 30 s. */
    public Duration idleReadTimeout() {
        return idleReadTimeout;
    }

    /** A socket write that makes no progress. Default 30 s. */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /** How long a streamed body may wait for the application to read it. Default 30 s. */
    public Duration bodyReadTimeout() {
        return bodyReadTimeout;
    }

    /**
     * How long a connection that has closed waits for its {@link #finaliser()}'s stage before it fails its
     * remaining requests and completes {@link Connection#closed()} anyway (the overrun is logged once). Default 10 s.
     */
    public Duration finaliserTimeout() {
        return finaliserTimeout;
    }

    /**
     * The most requests a connection holds accepted and not yet written; a {@code call} beyond fails at once with
     * a {@link RetryException} ({@link RetryException.Reason#REFUSED}) that names this limit. Default 1024.
     */
    public int maxQueuedRequests() {
        return maxQueuedRequests;
    }

    /**
     * From the first byte of a response to the end of its final head: a server that sends its head slowly, a byte
     * at a time, is timed out. Default 30 s.
     */
    public Duration responseHeadTimeout() {
        return responseHeadTimeout;
    }

    /**
     * Bytes per second a response body must average over each {@link #idleReadTimeout()} while the reader waits for
     * it: a server that drips a body (a byte every few hundred milliseconds) is timed out. Default 256.
     */
    public int minBodyRate() {
        return minBodyRate;
    }

    /** The most requests written and not yet answered. Default 32. */
    public int maxPipelineDepth() {
        return maxPipelineDepth;
    }

    /**
     * The most request bytes written and not yet answered (some servers reset deep pipelines when their
     * request buffer fills). A request larger than this is still sent when nothing else is in flight.
     * Default 32 KiB.
     */
    public int maxBytesInFlight() {
        return maxBytesInFlight;
    }

    /**
     * Whether requests may be pipelined behind a request that is not idempotent before its response status
     * has arrived (RFC 9112 §9.3.2 advises against it). Default {@code false}.
     */
    public boolean pipelineAfterNonIdempotent() {
        return pipelineAfterNonIdempotent;
    }

    /** The status line and header fields of a response together. Default 64 KiB. */
    public int maxResponseHeadBytes() {
        return maxResponseHeadBytes;
    }

    /** Header (or trailer) fields in one response. Default 128. */
    public int maxHeaderCount() {
        return maxHeaderCount;
    }

    /** One chunk-size line, extensions included. Default 4 KiB. */
    public int maxChunkLineBytes() {
        return maxChunkLineBytes;
    }

    /** The largest body a buffering {@link BodyHandler} accepts. Default 16 MiB. */
    public long maxBufferedBodyBytes() {
        return maxBufferedBodyBytes;
    }

    /**
     * The largest request body of unknown length that is buffered to be sent with {@code Content-Length} when
     * the connection is not yet known to pipeline. Default 1 MiB.
     */
    public int maxBufferedRequestBodyBytes() {
        return maxBufferedRequestBodyBytes;
    }

    @Override
    public String toString() {
        return "ConnectionOptions{persistence=" + persistence + ", connectTimeout=" + connectTimeout
                + ", handshakeTimeout=" + handshakeTimeout + ", responseTimeout=" + responseTimeout
                + ", idleReadTimeout=" + idleReadTimeout + ", writeTimeout=" + writeTimeout
                + ", bodyReadTimeout=" + bodyReadTimeout + ", minBodyRate=" + minBodyRate
                + ", responseHeadTimeout=" + responseHeadTimeout + ", maxQueuedRequests=" + maxQueuedRequests
                + ", finaliserTimeout=" + finaliserTimeout
                + ", maxPipelineDepth=" + maxPipelineDepth
                + ", maxBytesInFlight=" + maxBytesInFlight
                + ", pipelineAfterNonIdempotent=" + pipelineAfterNonIdempotent
                + ", maxResponseHeadBytes=" + maxResponseHeadBytes + ", maxHeaderCount=" + maxHeaderCount
                + ", maxChunkLineBytes=" + maxChunkLineBytes + ", maxBufferedBodyBytes=" + maxBufferedBodyBytes
                + ", maxBufferedRequestBodyBytes=" + maxBufferedRequestBodyBytes + ", tls=" + tls
                + (proxy != null ? ", proxy=" + proxy : "") + "}";
    }

    /**
     * Builds {@link ConnectionOptions}. Each setter checks its value and throws
     * {@link IllegalArgumentException} naming the option when it is out of range (the defaults and ranges are
     * declared once, with the configuration keys; every duration is from 1 ms to 365 days).
     */
    public static final class Builder {
        private Persistence persistence = OptionKeys.PERSISTENCE.defaultValue();
        private Function<? super Connection, ? extends CompletionStage<Void>> finaliser;
        private TlsOptions tls = TlsOptions.defaults();
        private ProxyOptions proxy;
        private Executor executor;
        private Duration connectTimeout = OptionKeys.CONNECT_TIMEOUT.defaultValue();
        private Duration handshakeTimeout = OptionKeys.HANDSHAKE_TIMEOUT.defaultValue();
        private Duration responseTimeout = OptionKeys.RESPONSE_TIMEOUT.defaultValue();
        private Duration idleReadTimeout = OptionKeys.IDLE_READ_TIMEOUT.defaultValue();
        private Duration writeTimeout = OptionKeys.WRITE_TIMEOUT.defaultValue();
        private Duration bodyReadTimeout = OptionKeys.BODY_READ_TIMEOUT.defaultValue();
        private int minBodyRate = OptionKeys.MIN_BODY_RATE.defaultValue();
        private Duration responseHeadTimeout = OptionKeys.RESPONSE_HEAD_TIMEOUT.defaultValue();
        private int maxQueuedRequests = OptionKeys.MAX_QUEUED_REQUESTS.defaultValue();
        private Duration finaliserTimeout = OptionKeys.FINALISER_TIMEOUT.defaultValue();
        private int maxPipelineDepth = OptionKeys.MAX_PIPELINE_DEPTH.defaultValue();
        private int maxBytesInFlight = OptionKeys.MAX_BYTES_IN_FLIGHT.defaultValue();
        private boolean pipelineAfterNonIdempotent = OptionKeys.PIPELINE_AFTER_NON_IDEMPOTENT.defaultValue();
        private int maxResponseHeadBytes = OptionKeys.MAX_RESPONSE_HEAD_BYTES.defaultValue();
        private int maxHeaderCount = OptionKeys.MAX_HEADER_COUNT.defaultValue();
        private int maxChunkLineBytes = OptionKeys.MAX_CHUNK_LINE_BYTES.defaultValue();
        private long maxBufferedBodyBytes = OptionKeys.MAX_BUFFERED_BODY_BYTES.defaultValue();
        private int maxBufferedRequestBodyBytes = OptionKeys.MAX_BUFFERED_REQUEST_BODY_BYTES.defaultValue();

        private Builder() {
        }

        private Builder(ConnectionOptions o) {
            persistence = o.persistence;
            finaliser = o.finaliser;
            tls = o.tls;
            proxy = o.proxy;
            executor = o.executor;
            connectTimeout = o.connectTimeout;
            handshakeTimeout = o.handshakeTimeout;
            responseTimeout = o.responseTimeout;
            idleReadTimeout = o.idleReadTimeout;
            writeTimeout = o.writeTimeout;
            bodyReadTimeout = o.bodyReadTimeout;
            minBodyRate = o.minBodyRate;
            responseHeadTimeout = o.responseHeadTimeout;
            maxQueuedRequests = o.maxQueuedRequests;
            finaliserTimeout = o.finaliserTimeout;
            maxPipelineDepth = o.maxPipelineDepth;
            maxBytesInFlight = o.maxBytesInFlight;
            pipelineAfterNonIdempotent = o.pipelineAfterNonIdempotent;
            maxResponseHeadBytes = o.maxResponseHeadBytes;
            maxHeaderCount = o.maxHeaderCount;
            maxChunkLineBytes = o.maxChunkLineBytes;
            maxBufferedBodyBytes = o.maxBufferedBodyBytes;
            maxBufferedRequestBodyBytes = o.maxBufferedRequestBodyBytes;
        }

        public Builder persistence(Persistence persistence) {
            this.persistence = OptionKeys.PERSISTENCE.check(persistence);
            return this;
        }

        /**
         * The {@code finalise} callback: run exactly once when the connection closes, for any reason, before
         * the requests still waiting are failed; they are failed when the returned stage completes. It runs on
         * the thread that closes the connection (the caller of {@link Connection#close()}, or the reader).
         */
        public Builder finaliser(Function<? super Connection, ? extends CompletionStage<Void>> finaliser) {
            this.finaliser = finaliser;
            return this;
        }

        public Builder tls(TlsOptions tls) {
            this.tls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /** The HTTP proxy to go through; {@code null} (the default) to connect directly. */
        public Builder proxy(ProxyOptions proxy) {
            this.proxy = proxy;
            return this;
        }

        /** The executor for this connection's I/O tasks; {@code null} for the factory's. */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = OptionKeys.CONNECT_TIMEOUT.check(d);
            return this;
        }

        public Builder handshakeTimeout(Duration d) {
            this.handshakeTimeout = OptionKeys.HANDSHAKE_TIMEOUT.check(d);
            return this;
        }

        public Builder responseTimeout(Duration d) {
            this.responseTimeout = OptionKeys.RESPONSE_TIMEOUT.check(d);
            return this;
        }

        public Builder idleReadTimeout(Duration d) {
            this.idleReadTimeout = OptionKeys.IDLE_READ_TIMEOUT.check(d);
            return this;
        }

        public Builder writeTimeout(Duration d) {
            this.writeTimeout = OptionKeys.WRITE_TIMEOUT.check(d);
            return this;
        }

        public Builder bodyReadTimeout(Duration d) {
            this.bodyReadTimeout = OptionKeys.BODY_READ_TIMEOUT.check(d);
            return this;
        }

        public Builder minBodyRate(int v) {
            this.minBodyRate = OptionKeys.MIN_BODY_RATE.check(v);
            return this;
        }

        public Builder responseHeadTimeout(Duration v) {
            this.responseHeadTimeout = OptionKeys.RESPONSE_HEAD_TIMEOUT.check(v);
            return this;
        }

        public Builder maxQueuedRequests(int v) {
            this.maxQueuedRequests = OptionKeys.MAX_QUEUED_REQUESTS.check(v);
            return this;
        }

        public Builder finaliserTimeout(Duration v) {
            this.finaliserTimeout = OptionKeys.FINALISER_TIMEOUT.check(v);
            return this;
        }

        public Builder maxPipelineDepth(int n) {
            this.maxPipelineDepth = OptionKeys.MAX_PIPELINE_DEPTH.check(n);
            return this;
        }

        public Builder maxBytesInFlight(int n) {
            this.maxBytesInFlight = OptionKeys.MAX_BYTES_IN_FLIGHT.check(n);
            return this;
        }

        public Builder pipelineAfterNonIdempotent(boolean allow) {
            this.pipelineAfterNonIdempotent = allow;
            return this;
        }

        public Builder maxResponseHeadBytes(int n) {
            this.maxResponseHeadBytes = OptionKeys.MAX_RESPONSE_HEAD_BYTES.check(n);
            return this;
        }

        public Builder maxHeaderCount(int n) {
            this.maxHeaderCount = OptionKeys.MAX_HEADER_COUNT.check(n);
            return this;
        }

        public Builder maxChunkLineBytes(int n) {
            this.maxChunkLineBytes = OptionKeys.MAX_CHUNK_LINE_BYTES.check(n);
            return this;
        }

        public Builder maxBufferedBodyBytes(long n) {
            this.maxBufferedBodyBytes = OptionKeys.MAX_BUFFERED_BODY_BYTES.check(n);
            return this;
        }

        public Builder maxBufferedRequestBodyBytes(int n) {
            this.maxBufferedRequestBodyBytes = OptionKeys.MAX_BUFFERED_REQUEST_BODY_BYTES.check(n);
            return this;
        }

        public ConnectionOptions build() {
            return new ConnectionOptions(this);
        }
    }
}
