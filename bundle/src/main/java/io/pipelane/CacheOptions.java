package io.pipelane;

import io.pipelane.internal.config.CacheKeys;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link ConnectionCache} uses connections: the names are those of cohttp-lwt's {@code Connection_cache}
 * ({@code keep}, {@code retry}, {@code parallel}, {@code depth}), which are also the configuration keys of the
 * OSGi component. Immutable; {@link #defaults()} holds the defaults.
 *
 * <p>{@link #reuse()} {@code false} is cohttp's {@code Make_no_cache}: a fresh connection per request, closed
 * once its response has been read; {@code parallel}, {@code depth} and {@code keep} do not apply then.
 */
public final class CacheOptions {
    private static final CacheOptions DEFAULTS = new Builder().build();

    private final boolean reuse;
    private final Duration keep;
    private final int retry;
    private final int parallel;
    private final int depth;
    private final Duration waitTimeout;
    private final int maxWaiting;
    private final ProxyRules proxies;
    private final ConnectionOptions connectionOptions;

    private CacheOptions(Builder b) {
        this.reuse = b.reuse;
        this.keep = b.keep;
        this.retry = b.retry;
        this.parallel = b.parallel;
        this.depth = b.depth;
        this.waitTimeout = b.waitTimeout;
        this.maxWaiting = b.maxWaiting;
        this.proxies = b.proxies;
        this.connectionOptions = b.connectionOptions;
    }

    /**
     * keep 60 s, retry 2, parallel 4, depth 100, waitTimeout 30 s, maxWaiting 10,000, no proxy, the factory's
     * connection options.
     */
    public static CacheOptions defaults() {
        return DEFAULTS;
    }

    /** No cache: a fresh connection per request (cohttp's {@code Make_no_cache}). */
    public static CacheOptions noCache() {
        return builder().reuse(false).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Whether connections are kept and shared between requests. Default {@code true}. */
    public boolean reuse() {
        return reuse;
    }

    /** How long a connection with nothing to do stays open before it is shut down. Default 60 s. */
    public Duration keep() {
        return keep;
    }

    /**
     * How many times a request that failed with {@link RetryException} is sent again, each time on another
     * connection. Default 2. An idempotent request that a read timeout left unanswered fails with a
     * {@link RetryException} too, so it is sent again: this bounds a server that always stalls. Never for a request
     * whose body is not {@linkplain RequestBody#isRepeatable() repeatable}, nor for one that failed with
     * {@link PossiblyProcessedException} (a non-idempotent request that timed out) or anything else.
     */
    public int retry() {
        return retry;
    }

    /**
     * The most connections to one endpoint (those connecting and those closing included). A connection that has
     * been given the last request its server allows (announced with {@code Keep-Alive: max}, or learned from an
     * earlier close) finishes beside its successor and no longer counts, so that the next connection opens
     * before requests have to wait; at most {@code parallel} such connections are kept aside. Default 4.
     */
    public int parallel() {
        return parallel;
    }

    /**
     * The most unfulfilled requests ({@link Connection#length()}) on one connection before the cache waits for
     * room rather than queue another. Default 100. The connection's own
     * {@link ConnectionOptions#maxPipelineDepth()} still bounds how many of them are written ahead.
     */
    public int depth() {
        return depth;
    }

    /**
     * How long a request waits for room when every connection to its endpoint is at {@link #depth()} and there
     * are {@link #parallel()} of them; then it fails with a {@link PipelaneTimeoutException} of phase
     * {@link PipelaneTimeoutException.Phase#CACHE_WAIT}. Default 30 s.
     */
    public Duration waitTimeout() {
        return waitTimeout;
    }

    /**
     * The most requests that may wait for room for one endpoint (a request sent again after a failure is not
     * counted against it: it was accepted already). A request that finds the queue full fails at once, never
     * sent, with a {@link RetryException} of reason {@link RetryException.Reason#REFUSED} naming this option: the
     * caller may send it again later. Default 10,000.
     */
    public int maxWaiting() {
        return maxWaiting;
    }

    /**
     * The proxies of connections to endpoints given as {@link Endpoint}s. A named endpoint uses the proxy of its
     * own {@link ConnectionOptions#proxy()}; so does an endpoint whose {@link #connectionOptions()} name one.
     * Default: direct.
     */
    public ProxyRules proxies() {
        return proxies;
    }

    /**
     * The options of connections to endpoints given as {@link Endpoint}s, or {@code null} for the factory's
     * {@link ConnectionFactory#defaultOptions()}. A named endpoint uses its own.
     */
    public ConnectionOptions connectionOptions() {
        return connectionOptions;
    }

    @Override
    public String toString() {
        return "CacheOptions{reuse=" + reuse + ", keep=" + keep + ", retry=" + retry + ", parallel=" + parallel
                + ", depth=" + depth + ", waitTimeout=" + waitTimeout + ", maxWaiting=" + maxWaiting
                + ", proxies=" + proxies + "}";
    }

    /**
     * Builds {@link CacheOptions}. Each setter checks its value and throws {@link IllegalArgumentException}
     * naming the option when it is out of range (the defaults and ranges are declared once, with the
     * configuration keys; every duration is from 1 ms to 365 days).
     */
    public static final class Builder {
        private boolean reuse = CacheKeys.REUSE.defaultValue();
        private Duration keep = CacheKeys.KEEP.defaultValue();
        private int retry = CacheKeys.RETRY.defaultValue();
        private int parallel = CacheKeys.PARALLEL.defaultValue();
        private int depth = CacheKeys.DEPTH.defaultValue();
        private Duration waitTimeout = CacheKeys.WAIT_TIMEOUT.defaultValue();
        private int maxWaiting = CacheKeys.MAX_WAITING.defaultValue();
        private ProxyRules proxies = ProxyRules.direct();
        private ConnectionOptions connectionOptions;

        private Builder() {
        }

        private Builder(CacheOptions o) {
            reuse = o.reuse;
            keep = o.keep;
            retry = o.retry;
            parallel = o.parallel;
            depth = o.depth;
            waitTimeout = o.waitTimeout;
            maxWaiting = o.maxWaiting;
            proxies = o.proxies;
            connectionOptions = o.connectionOptions;
        }

        public Builder reuse(boolean reuse) {
            this.reuse = reuse;
            return this;
        }

        public Builder keep(Duration keep) {
            this.keep = CacheKeys.KEEP.check(keep);
            return this;
        }

        public Builder retry(int retry) {
            this.retry = CacheKeys.RETRY.check(retry);
            return this;
        }

        public Builder parallel(int parallel) {
            this.parallel = CacheKeys.PARALLEL.check(parallel);
            return this;
        }

        public Builder depth(int depth) {
            this.depth = CacheKeys.DEPTH.check(depth);
            return this;
        }

        public Builder waitTimeout(Duration waitTimeout) {
            this.waitTimeout = CacheKeys.WAIT_TIMEOUT.check(waitTimeout);
            return this;
        }

        public Builder maxWaiting(int maxWaiting) {
            this.maxWaiting = CacheKeys.MAX_WAITING.check(maxWaiting);
            return this;
        }

        public Builder proxies(ProxyRules proxies) {
            this.proxies = Objects.requireNonNull(proxies, "proxies");
            return this;
        }

        /** {@code null}: the factory's default options. */
        public Builder connectionOptions(ConnectionOptions options) {
            this.connectionOptions = options;
            return this;
        }

        public CacheOptions build() {
            return new CacheOptions(this);
        }
    }
}
