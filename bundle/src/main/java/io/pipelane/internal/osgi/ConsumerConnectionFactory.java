package io.pipelane.internal.osgi;

import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.internal.cache.PipelaneConnectionCache;
import io.pipelane.internal.event.CacheEvents;
import io.pipelane.internal.event.EventBus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link ConnectionFactory} one consumer bundle sees: the shared engine, but the connections it creates
 * are its own, and they are closed when the bundle releases the service (it stops, or its component goes
 * away). {@link #close()} closes this bundle's connections only: the factory lives on for the others.
 *
 * <p>{@link #cache()} is this bundle's {@link ConnectionCache}, over this factory (so its connections are the
 * bundle's too), with the cache options of the configuration; the core hands it every new configuration
 * ({@link #configureCache}); it is closed when the bundle releases the service.
 */
final class ConsumerConnectionFactory implements ConnectionFactory, CacheEvents.HasEvents {
    private final PipelaneCore core;
    private final String owner;
    private final String symbolicName;
    private final long bundleId;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private volatile ConnectionClosedException closedBecause;

    // Guarded by this.
    private CacheOptions cacheDefaults = CacheOptions.defaults();
    private Map<String, CacheOptions> cacheEndpoints = Map.of();
    private long generation = -1;
    private PipelaneConnectionCache cache;

    ConsumerConnectionFactory(PipelaneCore core, String symbolicName, long bundleId,
                              PipelaneCore.Applied configuration) {
        this.core = core;
        this.symbolicName = symbolicName;
        this.bundleId = bundleId;
        this.owner = "bundle " + symbolicName + " [" + bundleId + "]";
        if (configuration != null) configureCache(configuration, Set.of());
    }

    /**
     * The cache options of a newly applied configuration: for the cache, if it exists, from its next decision
     * on; {@code renew} names the endpoints whose connections must be replaced. One older than the configuration
     * already applied here is ignored.
     */
    synchronized void configureCache(PipelaneCore.Applied configuration, Set<String> renew) {
        if (configuration.generation() <= generation) return;
        generation = configuration.generation();
        cacheDefaults = configuration.result().cacheDefaults();
        cacheEndpoints = configuration.result().caches();
        if (cache != null && !cache.isClosed()) cache.configure(cacheDefaults, cacheEndpoints, renew);
    }

    @Override
    public synchronized ConnectionCache cache() {
        checkOpen();
        if (cache == null || cache.isClosed()) {
            PipelaneConnectionCache c = new PipelaneConnectionCache(this, cacheDefaults, cacheEndpoints);
            cache = c;
            core.jmx().cacheOpened(this, symbolicName, bundleId, owner, c);
            c.whenClosed(() -> cacheClosed(c));
        }
        return cache;
    }

    /** Its MBean goes with it, unless a newer cache has replaced it meanwhile. */
    private void cacheClosed(PipelaneConnectionCache closed) {
        synchronized (this) {
            if (cache != closed) return;
        }
        core.jmx().cacheClosed(this);
    }

    /** The cache, if this bundle has used one (and not closed it), else null. */
    synchronized ConnectionCache currentCache() {
        return cache == null || cache.isClosed() ? null : cache;
    }

    String owner() {
        return owner;
    }

    @Override
    public EventBus events() {
        return core.engine().events();
    }

    Set<Connection> connections() {
        return connections;
    }

    private Connection track(Connection c) {
        connections.add(c);
        c.closed().whenComplete((v, t) -> connections.remove(c));
        ConnectionClosedException reason = closedBecause;
        if (reason != null) {
            // Released while this connection was being created.
            core.engine().close(c, reason);
        }
        return c;
    }

    private void checkOpen() {
        ConnectionClosedException reason = closedBecause;
        if (reason != null) throw new IllegalStateException(reason.getMessage());
    }

    @Override
    public Connection create(Endpoint endpoint, ConnectionOptions options) {
        checkOpen();
        return track(core.engine().create(endpoint, options));
    }

    @Override
    public CompletionStage<Connection> connect(Endpoint endpoint, ConnectionOptions options) {
        checkOpen();
        return core.engine().connected(create(endpoint, options));
    }

    @Override
    public Connection create(String endpointName) {
        checkOpen();
        return track(core.createNamed(endpointName));
    }

    @Override
    public CompletionStage<Connection> connect(String endpointName) {
        checkOpen();
        return core.engine().connected(create(endpointName));
    }

    @Override
    public ConnectionOptions defaultOptions() {
        return core.engine().defaultOptions();
    }

    /** Closes the connections this bundle created; the service stays usable. */
    @Override
    public void close() {
        closeAll(new ConnectionClosedException("the ConnectionFactory service was closed by " + owner));
    }

    /** Closes for good: the bundle released the service, or the service went away. */
    void release(ConnectionClosedException reason) {
        PipelaneConnectionCache c;
        synchronized (this) {
            closedBecause = reason;
            c = cache;
        }
        // The connections first, with the reason; a retry the cache then attempts cannot connect (closedBecause
        // is set) and fails with that reason too; last the requests still waiting in the cache.
        closeAll(reason);
        if (c != null) c.close(reason);
        core.jmx().cacheClosed(this);
    }

    private void closeAll(ConnectionClosedException reason) {
        List<Connection> all = new ArrayList<>(connections);
        for (Connection c : all) core.engine().close(c, reason);
    }

    @Override
    public String toString() {
        return "ConnectionFactory[" + owner + ", " + connections.size() + " connections]";
    }
}
