package io.pipelane;

import java.util.concurrent.CompletionStage;

/**
 * Creates {@link Connection}s. In OSGi it is a service registered by the Pipelane bundle and configured
 * through Config Admin; elsewhere, build one with {@link #builder()} (or inject it with
 * {@code jakarta.inject}).
 *
 * <p>Closing the factory closes every connection it created; their outstanding requests fail with
 * {@link RetryException} or {@link PossiblyProcessedException} caused by a {@link ConnectionClosedException}.
 */
@org.osgi.annotation.versioning.ProviderType
public interface ConnectionFactory extends AutoCloseable {

    /**
     * Returns a connection to {@code endpoint} at once; connecting (TCP, then TLS) goes on in the background.
     * Requests may be queued immediately and are written once connected. If connecting fails, the connection
     * closes and every queued request fails with {@link RetryException} whose cause says why.
     */
    Connection create(Endpoint endpoint, ConnectionOptions options);

    /**
     * Like {@link #create(Endpoint, ConnectionOptions)}, but the stage completes once the connection is
     * established (TLS handshake done), or fails with the reason connecting failed (an {@link java.io.IOException}
     * such as {@link java.net.ConnectException}, or a {@link PipelaneTimeoutException}).
     */
    CompletionStage<Connection> connect(Endpoint endpoint, ConnectionOptions options);

    /** {@link #create(Endpoint, ConnectionOptions)} with {@link #defaultOptions()}. */
    default Connection create(Endpoint endpoint) {
        return create(endpoint, defaultOptions());
    }

    /** {@link #connect(Endpoint, ConnectionOptions)} with {@link #defaultOptions()}. */
    default CompletionStage<Connection> connect(Endpoint endpoint) {
        return connect(endpoint, defaultOptions());
    }

    /**
     * A connection to the configured endpoint of that name, with its options.
     *
     * @throws UnknownEndpointException if no endpoint of that name is configured
     */
    Connection create(String endpointName);

    /**
     * {@link #connect(Endpoint, ConnectionOptions)} to the configured endpoint of that name.
     *
     * @throws UnknownEndpointException if no endpoint of that name is configured
     */
    CompletionStage<Connection> connect(String endpointName);

    /**
     * This factory's own {@link ConnectionCache}, configured as the factory is: the same instance on every call
     * (a new one once it has been closed). Closing the factory closes it.
     *
     * <p>In OSGi, each consumer bundle gets the cache of its own view of the {@code ConnectionFactory} service:
     * its options come from Config Admin ({@code keep}, {@code retry}, {@code parallel}, {@code depth},
     * {@code waitTimeout}, {@code maxWaiting}, {@code reuse} and the {@code proxy.*} keys, in the defaults PID {@code io.pipelane}
     * and, per endpoint, in {@code io.pipelane.endpoint}); configuration changes reach it without failing the
     * requests in flight; it is closed, with its connections, when the bundle releases the service (it stops,
     * or its component is deactivated). {@link ConnectionCache#call(String, Request, BodyHandler)} sends to a
     * configured endpoint with that endpoint's cache options and proxy; endpoints given as {@link Endpoint} use
     * the defaults' cache options and proxy ({@code proxy.exceptions} applied).
     *
     * <p>Outside OSGi, its options are those given to {@link ConnectionFactoryBuilder#cacheOptions}, else
     * {@link CacheOptions#defaults()}.
     *
     * @throws IllegalStateException if the factory is closed
     */
    ConnectionCache cache();

    /**
     * A new {@link ConnectionCache} over this factory's connections: requests to endpoints, with connections
     * reused, spread, kept and retried as {@code options} say. Closing the factory closes its connections.
     * Unlike {@link #cache()}, the caller owns it: close it when done.
     */
    default ConnectionCache cache(CacheOptions options) {
        return ConnectionCache.create(this, options, java.util.Map.of());
    }

    /** The options used when none are given. */
    ConnectionOptions defaultOptions();

    /** Closes every connection this factory created and releases its threads. Idempotent. */
    @Override
    void close();

    /** A builder for a factory outside OSGi. */
    static ConnectionFactoryBuilder builder() {
        return new ConnectionFactoryBuilder();
    }
}
