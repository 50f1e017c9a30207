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

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link ConnectionCache}: one {@link Pool} per endpoint (an {@link Endpoint}, or a name configured in the
 * factory), created on first use.
 */
public final class PipelaneConnectionCache implements ConnectionCache {
    private final ConnectionFactory factory;
    private final CacheOptions defaults;
    private final Map<String, CacheOptions> endpointOptions;
    /** Keyed by the Endpoint, or by the name (a String): the two kinds of key never collide. */
    private final Map<Object, Pool> pools = new ConcurrentHashMap<>();
    /** Pools in first-use order, for metrics and the console. */
    private final List<Pool> order = new ArrayList<>();
    private volatile boolean closed;

    public PipelaneConnectionCache(ConnectionFactory factory, CacheOptions defaults,
                                   Map<String, CacheOptions> endpointOptions) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.defaults = Objects.requireNonNull(defaults, "defaults");
        this.endpointOptions = Map.copyOf(endpointOptions);
    }

    @Override
    public <T> CompletableFuture<Response<T>> call(Endpoint endpoint, Request request, BodyHandler<T> handler) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        return pool(endpoint, () -> new Pool(this, endpoint.toUri(), endpoint, null, defaults))
                .submit(request, handler);
    }

    @Override
    public <T> CompletableFuture<Response<T>> call(String endpointName, Request request, BodyHandler<T> handler) {
        Objects.requireNonNull(endpointName, "endpointName");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        return pool(endpointName, () -> new Pool(this, endpointName, null, endpointName,
                endpointOptions.getOrDefault(endpointName, defaults))).submit(request, handler);
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

    ConnectionFactory factory() {
        return factory;
    }

    boolean isClosed() {
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
        if (closed) return;
        closed = true;
        ConnectionClosedException reason = new ConnectionClosedException("the connection cache was closed");
        for (Pool p : pools()) p.close(reason);
    }

    /** The failure of a request the cache will not send because it is closed. */
    static RetryException closedFailure(Request request) {
        return new RetryException(request + " was not sent: the connection cache was closed",
                new ConnectionClosedException("the connection cache was closed"));
    }

    @Override
    public String toString() {
        return "ConnectionCache" + defaults;
    }
}
