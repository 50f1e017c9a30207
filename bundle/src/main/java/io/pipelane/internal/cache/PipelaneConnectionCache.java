package io.pipelane.internal.cache;

import io.pipelane.BodyHandler;
import io.pipelane.CacheMetrics;
import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.internal.event.CacheEvents;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link ConnectionCache}: one {@link Pool} per endpoint (an {@link Endpoint}, or a name configured in the
 * factory), created on first use and removed once idle past {@code keep} with no connection. Its timers run on
 * one {@link CacheTimer}: the factory's when it gives one, else the cache's own, closed with it.
 */
public final class PipelaneConnectionCache implements ConnectionCache {
    private final ConnectionFactory factory;
    private final CacheEvents events;
    private volatile CacheOptions defaults;
    private volatile Map<String, CacheOptions> endpointOptions;
    /** Keyed by the Endpoint, or by the name (a String): the two kinds of key never collide. */
    private final Map<Object, Pool> pools = new ConcurrentHashMap<>();
    /** Pools in first-use order, for metrics and the console. */
    private final List<Pool> order = new ArrayList<>();
    private volatile boolean closed;
    private volatile ConnectionClosedException closedBecause;
    private volatile Runnable onClosed;
    private final CacheTimer timer;
    private final boolean ownTimer;

    /** A cache with a timer of its own. */
    public PipelaneConnectionCache(ConnectionFactory factory, CacheOptions defaults,
                                   Map<String, CacheOptions> endpointOptions) {
        this(factory, defaults, endpointOptions, null);
    }

    /** A cache whose timers run on {@code timer} (the factory's, which outlives the cache), or its own if null. */
    public PipelaneConnectionCache(ConnectionFactory factory, CacheOptions defaults,
                                   Map<String, CacheOptions> endpointOptions, CacheTimer timer) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.events = new CacheEvents(CacheEvents.busOf(factory));
        this.defaults = Objects.requireNonNull(defaults, "defaults");
        this.endpointOptions = Map.copyOf(endpointOptions);
        this.ownTimer = timer == null;
        this.timer = timer != null ? timer : new CacheTimer("pipelane-cache-timer");
    }

    @Override
    public <T> CompletableFuture<Response<T>> call(Endpoint endpoint, Request request, BodyHandler<T> handler) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        while (true) { // a pool removed as idle meanwhile refuses: the next one takes it
            CompletableFuture<Response<T>> f = pool(endpoint,
                    () -> new Pool(this, endpoint.toUri(), endpoint, null, this.defaults, timer)).submit(request, handler);
            if (f != null) return f;
        }
    }

    @Override
    public <T> CompletableFuture<Response<T>> call(String endpointName, Request request, BodyHandler<T> handler) {
        Objects.requireNonNull(endpointName, "endpointName");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        while (true) { // a pool removed as idle meanwhile refuses: the next one takes it
            CompletableFuture<Response<T>> f = pool(endpointName, () -> new Pool(this, endpointName, null,
                    endpointName, optionsFor(endpointName), timer)).submit(request, handler);
            if (f != null) return f;
        }
    }

    private CacheOptions optionsFor(String endpointName) {
        return endpointOptions.getOrDefault(endpointName, defaults);
    }

    /**
     * Replaces the options, for the decisions from now on: requests in flight and waiting are not dropped.
     * The connections of an endpoint are renewed (they finish what they hold and end; new ones are opened as
     * the new configuration says) when its name is in {@code renew}, when its options start or stop reusing
     * connections, or, for an endpoint given as {@link Endpoint}, when its proxies or connection options
     * changed.
     *
     * @param renew the names of configured endpoints whose connections must be replaced (their URI, connection
     *              options, proxy or TLS context changed, or they are no longer configured)
     */
    public void configure(CacheOptions defaults, Map<String, CacheOptions> endpointOptions,
                          java.util.Set<String> renew) {
        Objects.requireNonNull(defaults, "defaults");
        synchronized (order) {
            this.defaults = defaults;
            this.endpointOptions = Map.copyOf(endpointOptions);
        }
        for (Pool p : pools()) {
            CacheOptions old = p.options();
            CacheOptions now = p.name != null ? optionsFor(p.name) : defaults;
            boolean renewIt = old.reuse() != now.reuse()
                    || (p.name != null ? renew.contains(p.name)
                        : !old.proxies().equals(now.proxies()) || old.connectionOptions() != now.connectionOptions());
            p.reconfigure(now, renewIt);
        }
    }

    private Pool pool(Object key, java.util.function.Supplier<Pool> create) {
        Pool p = pools.get(key);
        if (p != null) return p;
        synchronized (order) {
            p = pools.get(key);
            if (p == null) {
                p = create.get();
                pools.put(key, p);
                order.add(p);
            }
            return p;
        }
    }

    /** Forgets a pool that removed itself as idle. */
    void forget(Pool p) {
        synchronized (order) {
            pools.remove(p.endpoint != null ? p.endpoint : p.name, p);
            order.remove(p);
        }
    }

    ConnectionFactory factory() {
        return factory;
    }

    /** Its retries, re-placements and limits learned, counted and told to the factory's listeners. */
    public CacheEvents events() {
        return events;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public CacheOptions options() {
        return defaults;
    }

    @Override
    public List<CacheMetrics> metrics() {
        List<CacheMetrics> list = new ArrayList<>();
        for (Pool p : pools()) list.add(p.metrics());
        return List.copyOf(list);
    }

    @Override
    public Map<String, List<Connection>> connections() {
        Map<String, List<Connection>> map = new LinkedHashMap<>();
        for (Pool p : pools()) map.put(p.key, p.connections());
        return java.util.Collections.unmodifiableMap(map);
    }

    private List<Pool> pools() {
        synchronized (order) {
            return new ArrayList<>(order);
        }
    }

    @Override
    public void close() {
        close(new ConnectionClosedException("the connection cache was closed"));
    }

    /** {@link #close()}, {@code reason} being the cause given to the requests that were waiting or come later. */
    public void close(ConnectionClosedException reason) {
        synchronized (order) {
            if (closed) return;
            closedBecause = reason;
            closed = true;
        }
        for (Pool p : pools()) p.close(reason);
        if (ownTimer) timer.close();
        Runnable r = onClosed;
        if (r != null) r.run();
    }

    /** Runs {@code action} once the cache is closed (e.g. to withdraw its MBean). */
    public void whenClosed(Runnable action) {
        onClosed = action;
        if (closed) action.run();
    }

    /** The failure of a request the cache will not send because it is closed. */
    RetryException closedFailure(Request request) {
        ConnectionClosedException reason = closedBecause;
        if (reason == null) reason = new ConnectionClosedException("the connection cache was closed");
        return new RetryException(request + " was not sent: " + reason.getMessage(), reason);
    }

    @Override
    public String toString() {
        return "ConnectionCache" + defaults;
    }
}
