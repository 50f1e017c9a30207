package io.pipelane.internal.engine;

import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.UnknownEndpointException;
import io.pipelane.internal.cache.CacheTimer;
import io.pipelane.internal.cache.PipelaneConnectionCache;
import io.pipelane.internal.event.CacheEvents;
import io.pipelane.internal.event.ConnectionEvents;
import io.pipelane.internal.event.EventBus;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The plain-Java {@link ConnectionFactory}: named endpoints, default options, the executor for connections'
 * I/O, one {@link Watchdog} for their timeouts, and the set of live connections (closed with the factory).
 *
 * <p>The configuration can be replaced at run time ({@link #configure}): new connections use the new values,
 * connections already open keep theirs. Its {@link #events()} reach the listeners of its connections and caches.
 */
public final class PipelaneConnectionFactory implements ConnectionFactory, CacheEvents.HasEvents {
    private static final System.Logger LOG = io.pipelane.internal.log.Logs.logger(PipelaneConnectionFactory.class);

    private volatile ConnectionOptions defaultOptions;
    private volatile Map<String, NamedEndpoint> endpoints;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final Watchdog watchdog;
    /** Where idle connections wait without a thread: one thread at most, started when the first one parks. */
    private final IdleSelector idleSelector;
    private final EventBus events;
    private final Connector connector;
    private final Set<HttpConnection> live = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    private boolean closed; // guarded by this
    private CacheOptions cacheDefaults = CacheOptions.defaults(); // guarded by this
    private Map<String, CacheOptions> cacheEndpoints = Map.of(); // guarded by this
    private PipelaneConnectionCache cache; // guarded by this
    /** The timer of every cache made by this factory: one thread at most, only while a timer is pending. */
    private final CacheTimer cacheTimer;

    /**
     * @param executor runs the connections' I/O tasks; {@code null} for one the factory owns and shuts down
     */
    public PipelaneConnectionFactory(ConnectionOptions defaultOptions, Map<String, NamedEndpoint> endpoints,
                                     Executor executor, String threadNamePrefix) {
        this(defaultOptions, endpoints, executor, threadNamePrefix, Connector.SOCKETS);
    }

    /** With the connector that opens the connections' transports (tests pass an in-memory one). */
    PipelaneConnectionFactory(ConnectionOptions defaultOptions, Map<String, NamedEndpoint> endpoints,
                              Executor executor, String threadNamePrefix, Connector connector) {
        this.connector = Objects.requireNonNull(connector, "connector");
        this.defaultOptions = Objects.requireNonNull(defaultOptions, "defaultOptions");
        this.endpoints = Map.copyOf(endpoints);
        this.ownedExecutor = executor == null ? IoExecutors.create(threadNamePrefix) : null;
        this.executor = executor != null ? executor : ownedExecutor;
        this.watchdog = new Watchdog(threadNamePrefix + "-watchdog");
        this.idleSelector = new IdleSelector(threadNamePrefix + "-idle-selector");
        this.events = new EventBus(threadNamePrefix);
        this.cacheTimer = new CacheTimer(threadNamePrefix + "-cache-timer");
    }

    /** Where its connections and caches report their events; add listeners here. */
    @Override
    public EventBus events() {
        return events;
    }

    /** Replaces the default options and the named endpoints, for connections created from now on. */
    public void configure(ConnectionOptions defaultOptions, Map<String, NamedEndpoint> endpoints) {
        this.defaultOptions = Objects.requireNonNull(defaultOptions, "defaultOptions");
        this.endpoints = Map.copyOf(endpoints);
    }

    /** The options of {@link #cache()}, for the decisions from now on. */
    public void configureCache(CacheOptions defaults, Map<String, CacheOptions> perName) {
        PipelaneConnectionCache c;
        synchronized (this) {
            cacheDefaults = Objects.requireNonNull(defaults, "defaults");
            cacheEndpoints = Map.copyOf(perName);
            c = cache;
        }
        if (c != null) c.configure(defaults, perName, Set.of());
    }

    @Override
    public synchronized ConnectionCache cache() {
        if (closed) throw new IllegalStateException("the connection factory is closed");
        if (cache == null || cache.isClosed()) {
            cache = new PipelaneConnectionCache(this, cacheDefaults, cacheEndpoints, cacheTimer);
        }
        return cache;
    }

    @Override
    public ConnectionCache cache(CacheOptions options) {
        return new PipelaneConnectionCache(this, options, Map.of(), cacheTimer);
    }

    /** The named endpoints now configured. */
    public Map<String, NamedEndpoint> endpoints() {
        return endpoints;
    }

    @Override
    public ConnectionOptions defaultOptions() {
        return defaultOptions;
    }

    @Override
    public Connection create(Endpoint endpoint, ConnectionOptions options) {
        return open(null, endpoint, options);
    }

    @Override
    public CompletionStage<Connection> connect(Endpoint endpoint, ConnectionOptions options) {
        return open(null, endpoint, options).connected;
    }

    @Override
    public Connection create(String endpointName) {
        NamedEndpoint e = named(endpointName);
        return open(endpointName, e.endpoint(), e.optionsOr(defaultOptions));
    }

    @Override
    public CompletionStage<Connection> connect(String endpointName) {
        NamedEndpoint e = named(endpointName);
        return open(endpointName, e.endpoint(), e.optionsOr(defaultOptions)).connected;
    }

    private NamedEndpoint named(String name) {
        Objects.requireNonNull(name, "endpointName");
        NamedEndpoint e = endpoints.get(name);
        if (e == null) throw new UnknownEndpointException(name);
        return e;
    }

    /** @param name the configured endpoint's name, null for an endpoint given as such (named by its URI) */
    private HttpConnection open(String name, Endpoint endpoint, ConnectionOptions options) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(options, "options");
        Executor ex = options.executor() != null ? options.executor() : executor;
        long id = ids.incrementAndGet();
        HttpConnection c = new HttpConnection(id, endpoint, options, ex, watchdog, connector, idleSelector, live::remove,
                new ConnectionEvents(events, id, name != null ? name : endpoint.toUri(), endpoint));
        synchronized (this) {
            if (closed) throw new IllegalStateException("the connection factory is closed");
            live.add(c);
        }
        c.start();
        return c;
    }

    /** Whether the thread of idle connections runs, for tests. */
    boolean idleSelectorRunning() {
        return idleSelector.isRunning();
    }

    /** The connections that have not ended yet, oldest first. */
    public List<Connection> connections() {
        List<HttpConnection> list = new ArrayList<>(live);
        list.sort(Comparator.comparingLong(HttpConnection::id));
        return List.copyOf(list);
    }

    /**
     * The stage of {@link #connect} for a connection this factory created with {@link #create}: completes once
     * it is established, or fails with the reason connecting failed.
     */
    public CompletionStage<Connection> connected(Connection connection) {
        if (!(connection instanceof HttpConnection)) throw new IllegalArgumentException("not a Pipelane connection");
        return ((HttpConnection) connection).connected.copy();
    }

    /**
     * Closes one connection of this factory at once, {@code reason} being the cause given to its outstanding
     * requests (e.g. "the bundle that created it released the service"). A connection of another factory
     * is simply closed.
     */
    public void close(Connection connection, ConnectionClosedException reason) {
        if (connection instanceof HttpConnection && live.contains(connection)) {
            ((HttpConnection) connection).close(reason);
        } else {
            connection.close();
        }
    }

    /**
     * Closes every connection; outstanding requests fail with a {@link ConnectionClosedException} cause
     * naming the factory. Stops the watchdog and the idle selector, lets the listeners receive the events queued for them, and, if the factory owns its executor, shuts it down and waits
     * for its threads (at most 5 s).
     */
    @Override
    public void close() {
        close(new ConnectionClosedException("the Pipelane connection factory was closed"));
    }

    /** {@link #close()} with the reason given to outstanding requests. */
    public void close(ConnectionClosedException reason) {
        PipelaneConnectionCache ownCache;
        synchronized (this) {
            if (closed) return;
            closed = true;
            ownCache = cache;
        }
        for (HttpConnection c : new ArrayList<>(live)) c.close(reason);
        if (ownCache != null) ownCache.close(reason); // the requests still waiting in it
        watchdog.stop();
        idleSelector.stop(); // after the connections: it releases their parked sockets
        cacheTimer.close();
        events.close(); // after the connections: listeners receive their last events
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
            try {
                if (!ownedExecutor.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.log(System.Logger.Level.WARNING, "Pipelane I/O threads still running 5 s after close");
                    ownedExecutor.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ownedExecutor.shutdownNow();
            }
        }
    }
}
