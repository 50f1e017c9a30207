package io.pipelane.internal.cache;

import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Opens the connections of one endpoint's pool: to an {@link Endpoint} with the cache's options (its connection
 * options, else the factory's defaults, and the proxy its rules select), or to a named endpoint with that
 * endpoint's own options. Stateless.
 */
final class Opener {
    private final PipelaneConnectionCache cache;
    private final Endpoint endpoint;
    private final String name;

    /** A connection being opened, and whether it pipelines from its first request (Persistence.TRUE). */
    record Opening(CompletionStage<Connection> connection, boolean pipelinesFromStart) {
    }

    Opener(PipelaneConnectionCache cache, Endpoint endpoint, String name) {
        this.cache = cache;
        this.endpoint = endpoint;
        this.name = name;
    }

    /**
     * A connection for the pool. {@code ended} runs when it ends (from its finaliser, before the user's, so the
     * pool forgets it before anything else runs); with {@code alone} (a connection to this endpoint failed), a
     * Persistence.TRUE connection sends its first request alone (RFC 9112 §9.3.2).
     */
    Opening open(CacheOptions options, boolean alone, Consumer<Connection> ended) {
        try {
            if (name != null) {
                CompletionStage<Connection> c = cache.factory().connect(name);
                // no finaliser of ours on it: its closed stage tells
                return new Opening(c.thenApply(conn -> {
                    conn.closed().whenComplete((v, t) -> ended.accept(conn));
                    return conn;
                }), false);
            }
            ConnectionOptions base = base(options);
            ConnectionOptions.Builder b = base.toBuilder();
            if (base.proxy() == null) b.proxy(options.proxies().select(endpoint));
            Function<? super Connection, ? extends CompletionStage<Void>> user = base.finaliser();
            b.finaliser(c -> {
                ended.accept(c);
                if (user == null) return CompletableFuture.completedFuture(null);
                CompletionStage<Void> stage = user.apply(c);
                return stage != null ? stage : CompletableFuture.completedFuture(null);
            });
            if (alone && base.persistence() == Persistence.TRUE) b.persistence(Persistence.AUTO);
            ConnectionOptions o = b.build();
            return new Opening(cache.factory().connect(endpoint, o), o.persistence() == Persistence.TRUE);
        } catch (RuntimeException e) {
            return new Opening(CompletableFuture.failedFuture(e), false);
        }
    }

    /**
     * A connection for one request (no-cache mode): Persistence.FALSE, so the request carries
     * {@code Connection: close} and the connection ends after it. A named endpoint keeps its own options.
     */
    CompletionStage<Connection> openForOneRequest(CacheOptions options) {
        try {
            if (name != null) return cache.factory().connect(name);
            ConnectionOptions base = base(options);
            return cache.factory().connect(endpoint, base.toBuilder()
                    .proxy(base.proxy() != null ? base.proxy() : options.proxies().select(endpoint))
                    .persistence(Persistence.FALSE).build());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private ConnectionOptions base(CacheOptions options) {
        return options.connectionOptions() != null ? options.connectionOptions() : cache.factory().defaultOptions();
    }
}
