package io.pipelane;

import io.pipelane.internal.engine.NamedEndpoint;
import io.pipelane.internal.engine.PipelaneConnectionFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Builds a {@link ConnectionFactory} outside OSGi.
 *
 * <pre>{@code
 * try (ConnectionFactory factory = ConnectionFactory.builder()
 *         .defaultOptions(ConnectionOptions.builder().persistence(Persistence.TRUE).build())
 *         .endpoint("billing", Endpoint.of("https://billing.example.com"))
 *         .build()) {
 *     Connection c = factory.create("billing");
 *     ...
 * }
 * }</pre>
 */
public final class ConnectionFactoryBuilder {
    private ConnectionOptions defaultOptions = ConnectionOptions.defaults();
    private final Map<String, NamedEndpoint> endpoints = new LinkedHashMap<>();
    private Executor executor;
    private String threadNamePrefix = "pipelane";
    private CacheOptions cacheOptions = CacheOptions.defaults();
    private final Map<String, CacheOptions> endpointCacheOptions = new LinkedHashMap<>();
    private final List<ConnectionListener> listeners = new ArrayList<>();

    ConnectionFactoryBuilder() {
    }

    /** The options of connections created without options, and of named endpoints without their own. */
    public ConnectionFactoryBuilder defaultOptions(ConnectionOptions options) {
        this.defaultOptions = Objects.requireNonNull(options, "options");
        return this;
    }

    /** A named endpoint with the default options. */
    public ConnectionFactoryBuilder endpoint(String name, Endpoint endpoint) {
        return endpoint(name, endpoint, null);
    }

    /** A named endpoint with its own options ({@code null}: the default options). */
    public ConnectionFactoryBuilder endpoint(String name, Endpoint endpoint, ConnectionOptions options) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(endpoint, "endpoint");
        if (name.isBlank()) throw new IllegalArgumentException("endpoint name must not be blank");
        endpoints.put(name, new NamedEndpoint(name, endpoint, options));
        return this;
    }

    /**
     * The executor that runs connections' I/O tasks (each busy connection keeps one task blocked in a socket
     * read, and runs a writer task while it has requests to write; a TCP or TLS connection idle for 200 ms ends
     * its reading task and waits in the factory's one idle-selector thread, then starts a new task when it
     * resumes; a Unix domain socket connection keeps its reading task). The factory does not shut it down. When
     * none is given, the factory owns one: virtual threads on Java 21 and later, else a cached pool of daemon
     * threads that end after a minute unused; it is shut down by {@link ConnectionFactory#close()}.
     */
    public ConnectionFactoryBuilder executor(Executor executor) {
        this.executor = executor;
        return this;
    }

    /** The options of {@link ConnectionFactory#cache()}. Default {@link CacheOptions#defaults()}. */
    public ConnectionFactoryBuilder cacheOptions(CacheOptions options) {
        this.cacheOptions = Objects.requireNonNull(options, "options");
        return this;
    }

    /** The options of {@link ConnectionFactory#cache()} for the named endpoint {@code name}. */
    public ConnectionFactoryBuilder cacheOptions(String name, CacheOptions options) {
        endpointCacheOptions.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(options, "options"));
        return this;
    }

    /** The prefix of the names of the threads the factory starts. Default {@code pipelane}. */
    public ConnectionFactoryBuilder threadNamePrefix(String prefix) {
        this.threadNamePrefix = Objects.requireNonNull(prefix, "prefix");
        return this;
    }

    /**
     * A listener of the events of every connection and cache of the factory (see {@link ConnectionListener}: it
     * runs on a thread of its own and cannot hold up or break a connection). May be called more than once.
     */
    public ConnectionFactoryBuilder listener(ConnectionListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    public ConnectionFactory build() {
        PipelaneConnectionFactory f = new PipelaneConnectionFactory(defaultOptions, Map.copyOf(endpoints), executor,
                threadNamePrefix);
        f.configureCache(cacheOptions, endpointCacheOptions);
        for (ConnectionListener l : listeners) f.events().addListener(l, null, l.getClass().getName());
        return f;
    }
}
