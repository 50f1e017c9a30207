package io.pipelane.internal.cache;

import io.pipelane.BodyHandler;
import io.pipelane.CacheMetrics;
import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.ConnectionClosedException;
import io.pipelane.Endpoint;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.internal.codec.Printable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A cache's requests to one endpoint: the queue of those waiting for room, their dispatching onto the
 * connections ({@link PoolConnections}, where {@link Placement} says), and their outcomes ({@link RetryPolicy}
 * decides what a failure means).
 *
 * <h2>Lifecycle</h2>
 * OPEN (takes requests) → CLOSED ({@link #close}: its cache closed) or REMOVED (idle past {@code keep} with no
 * connection and nothing to do: the cache forgets it, and a request that still reaches it goes to a new pool).
 *
 * <h2>Locking and threads</h2>
 * Every field marked "guarded" is used under {@code this}, which {@link PoolConnections} shares. Nothing that may
 * call back into the pool runs under it: {@link Connection#call}, {@code shutdown}, {@code close} and completing
 * the callers' futures all happen after the lock is released. (The pool takes a connection's lock, through
 * {@link Connection#length()}, while holding its own; a connection never calls out while holding its lock, so the
 * order cannot invert.) The pool runs on the callers' threads, the connections' reader threads and the cache's
 * {@link CacheTimer}.
 *
 * <h2>Dispatching</h2>
 * New requests, retries and re-placements all go through one queue in call order, {@code waiting} (a request
 * sent again goes back to its place); {@link #dispatch()} places the requests at its head while a connection has
 * room, so a request never waits behind a later one. Only one thread dispatches at a time; a change seen
 * meanwhile makes it go round once more. A request placed on a slot goes into the slot's outbox, which one thread
 * at a time hands to the connection ({@link PoolConnections#flush}): requests reach a connection in the order
 * they were placed.
 */
final class Pool {
    private static final System.Logger LOG = io.pipelane.internal.log.Logs.logger(Pool.class);

    enum State { OPEN, CLOSED, REMOVED }

    final PipelaneConnectionCache cache;
    /** The metrics key: the endpoint's name, or its URI. */
    final String key;
    /** The endpoint, or null for a named endpoint (its connections know it). */
    final Endpoint endpoint;
    /** The endpoint's name in the factory, or null. */
    final String name;
    final PoolCounters counters = new PoolCounters();
    /** Replaced by {@link #reconfigure}: each decision reads the options of the moment. */
    private volatile CacheOptions options;
    private final PoolConnections connections;
    private final NoCache noCache;
    private final CacheTimer timer;

    // --- guarded by this ---
    private State state = State.OPEN;
    /** In call order: a request sent again goes back to its place, ahead of every later call. */
    private final PriorityQueue<Attempt<?>> waiting = new PriorityQueue<>(Comparator.comparingLong(a -> a.seq));
    /** The call order of the next request. */
    private long nextSeq;
    private boolean dispatching;
    private boolean dispatchAgain;
    /** Since when (System.nanoTime) the pool has had no connection and nothing to do; 0 while it has. */
    private long emptySince;

    Pool(PipelaneConnectionCache cache, String key, Endpoint endpoint, String name, CacheOptions options,
         CacheTimer timer) {
        this.cache = cache;
        this.key = key;
        this.endpoint = endpoint;
        this.name = name;
        this.options = options;
        this.timer = timer;
        Opener opener = new Opener(cache, endpoint, name);
        this.connections = new PoolConnections(this, opener, timer, endpoint);
        this.noCache = new NoCache(opener);
    }

    CacheOptions options() {
        return options;
    }

    // ------------------------------------------------------------------------------------------ submitting

    /** Takes a request: its future, or null if the pool was removed meanwhile (ask the cache for a new one). */
    <T> CompletableFuture<Response<T>> submit(Request request, BodyHandler<T> handler) {
        Attempt<T> a = new Attempt<>(request, handler);
        CacheOptions o = options;
        RetryException refusal = null;
        synchronized (this) {
            if (state == State.REMOVED) return null;
            emptySince = 0;
            if (state == State.CLOSED || cache.isClosed()) {
                refusal = cache.closedFailure(request);
            } else if (o.reuse() && waiting.size() >= o.maxWaiting()) {
                refusal = new RetryException(RetryException.Reason.REFUSED, request + " was not sent: "
                        + waiting.size() + " requests already wait for a connection to " + key
                        + " (maxWaiting=" + o.maxWaiting() + ")", null);
            } else if (o.reuse()) {
                a.seq = nextSeq++;
                waiting.add(a);
                a.queued = true;
            }
        }
        counters.requests.incrementAndGet();
        counters.active.incrementAndGet();
        if (refusal != null) {
            fail(a, refusal);
        } else if (o.reuse()) {
            dispatch();
            armWaitTimer(a);
        } else {
            sendOnFreshConnection(a);
        }
        return a.result;
    }

    /** Queues a request again, at its place in call order (ahead of every later call), and dispatches. */
    private void requeue(Attempt<?> a) {
        if (!options.reuse()) {
            sendOnFreshConnection(a);
            return;
        }
        boolean refused;
        synchronized (this) {
            refused = state == State.CLOSED || cache.isClosed();
            if (!refused) {
                waiting.add(a);
                a.queued = true;
            }
        }
        if (refused) {
            fail(a, cache.closedFailure(a.request));
            return;
        }
        dispatch();
        armWaitTimer(a);
    }

    /** If {@code a} still waits, fails it after {@code waitTimeout}, unless it is placed before. */
    private void armWaitTimer(Attempt<?> a) {
        synchronized (this) {
            if (!a.queued || a.waitTimer != null) return;
            a.waitTimer = timer.schedule(options.waitTimeout(), () -> waitExpired(a));
        }
    }

    private void waitExpired(Attempt<?> a) {
        synchronized (this) {
            if (!a.queued) return;
            a.queued = false;
            a.waitTimer = null;
            waiting.remove(a);
        }
        CacheOptions o = options;
        fail(a, new PipelaneTimeoutException(PipelaneTimeoutException.Phase.CACHE_WAIT, o.waitTimeout(),
                a.request + " waited for a connection to " + key + " with room (parallel=" + o.parallel()
                        + ", depth=" + o.depth() + ") and was not sent; waiting"));
    }

    /** Places the requests at the head of the queue while a connection has room. */
    void dispatch() {
        synchronized (this) {
            if (dispatching) {
                dispatchAgain = true;
                return;
            }
            dispatching = true;
        }
        try {
            while (true) {
                Slot s;
                boolean open;
                synchronized (this) {
                    Attempt<?> a = waiting.peek();
                    s = a == null || state != State.OPEN ? null : connections.choose(options);
                    if (s == null) {
                        if (dispatchAgain) {
                            dispatchAgain = false;
                            continue;
                        }
                        dispatching = false;
                        return;
                    }
                    waiting.poll();
                    a.queued = false;
                    if (a.waitTimer != null) {
                        a.waitTimer.cancel();
                        a.waitTimer = null;
                    }
                    open = s.placed() == 0; // a new slot: its connection is opened now
                    s.place(a);
                }
                if (open) connections.open(s, options);
                else connections.flush(s);
            }
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                dispatching = false;
            }
            throw e;
        }
    }

    // ------------------------------------------------------------------------------------------ outcomes

    <T> void succeed(Attempt<T> a, Response<T> r) {
        synchronized (this) {
            connections.succeeded();
        }
        boolean none = counters.active.decrementAndGet() == 0; // before the caller sees the result
        counters.completed.incrementAndGet();
        a.result.complete(r);
        if (none) checkEmpty();
    }

    /**
     * A request failed on a connection (that answered at least one request, or not; a no-cache connection
     * counts as not): as {@link RetryPolicy} says.
     */
    void failed(Attempt<?> a, Throwable error, boolean connectionAnswered) {
        switch (RetryPolicy.decide(error, a, options.retry(), connectionAnswered)) {
            case REPLACE:
                a.replacements++;
                counters.replaced.incrementAndGet();
                cache.events().replaced(key, a.request, a.replacements, error);
                LOG.log(System.Logger.Level.DEBUG, () -> Printable.line("placing " + a.request
                        + " on another connection to " + key + ": " + error.getMessage()));
                requeue(a);
                break;
            case RETRY:
                a.retries++;
                counters.retries.incrementAndGet();
                cache.events().retried(key, a.request, a.retries, error);
                LOG.log(System.Logger.Level.DEBUG, () -> Printable.line("sending " + a.request + " to " + key
                        + " again (" + a.retries + " of " + options.retry() + "): " + error.getMessage()));
                requeue(a);
                break;
            default:
                fail(a, error);
        }
    }

    void fail(Attempt<?> a, Throwable error) {
        boolean none = counters.active.decrementAndGet() == 0; // before the caller sees the failure
        counters.failures.incrementAndGet();
        a.result.completeExceptionally(error);
        if (none) checkEmpty();
    }

    private <T> void sendOnFreshConnection(Attempt<T> a) {
        if (cache.isClosed()) {
            fail(a, cache.closedFailure(a.request));
            return;
        }
        counters.opened.incrementAndGet();
        noCache.send(a, options, (r, err) -> {
            if (err == null) succeed(a, r);
            else failed(a, unwrap(err), false);
        }, err -> {
            Throwable cause = unwrap(err);
            if (RetryPolicy.endedAfterAccept(cause)) failed(a, PoolConnections.notSent(a, key, cause), false);
            else fail(a, PoolConnections.notSent(a, key, cause));
        });
    }

    // ------------------------------------------------------------------------------------------ removal

    /** Nothing left to do: arm the removal of the pool after {@code keep}. */
    void checkEmpty() {
        long since;
        synchronized (this) {
            if (!isEmpty() || emptySince != 0) return;
            since = System.nanoTime();
            emptySince = since;
        }
        timer.schedule(options.keep(), () -> emptyExpired(since));
    }

    private void emptyExpired(long since) {
        synchronized (this) {
            if (emptySince != since || !isEmpty()) return;
            state = State.REMOVED;
        }
        LOG.log(System.Logger.Level.DEBUG, () -> this + " idle for " + options.keep().toMillis() + " ms: removed");
        cache.forget(this);
    }

    /** Under the lock. */
    private boolean isEmpty() {
        return state == State.OPEN && connections.isEmpty() && waiting.isEmpty() && counters.active.get() == 0
                && noCache.size() == 0;
    }

    // ------------------------------------------------------------------------------------------ the rest

    CacheMetrics metrics() {
        synchronized (this) {
            return counters.snapshot(key, connections.seenEndpoint(), connections.size() + noCache.size(),
                    connections.idle(), waiting.size(), connections.learnedLimit());
        }
    }

    List<Connection> connections() {
        List<Connection> list = connections.connections();
        list.addAll(noCache.connections());
        return List.copyOf(list);
    }

    /**
     * New options for the decisions from now on. With {@code renew}, the connections open now (or connecting)
     * take no more requests: each finishes the requests it holds (they are not failed) and then ends, and new
     * connections are opened with the configuration of the moment (within {@code parallel}: a draining
     * connection still counts until it has ended).
     */
    void reconfigure(CacheOptions newOptions, boolean renew) {
        List<Connection> drain;
        synchronized (this) {
            options = newOptions;
            drain = renew ? connections.drainAll() : List.of();
        }
        for (Connection c : drain) c.shutdown(); // queued requests are still written and answered
        dispatch();
    }

    void close(ConnectionClosedException reason) {
        List<Attempt<?>> waiters;
        List<Connection> open;
        synchronized (this) {
            if (state == State.OPEN) state = State.CLOSED;
            waiters = new ArrayList<>(waiting);
            waiting.clear();
            for (Attempt<?> a : waiters) {
                a.queued = false;
                if (a.waitTimer != null) a.waitTimer.cancel();
            }
            open = connections.retireAll();
        }
        for (Attempt<?> a : waiters) {
            fail(a, new RetryException(RetryException.Reason.NOT_SENT, a.request + " was not sent: "
                    + reason.getMessage(), reason));
        }
        for (Connection c : open) c.close();
        noCache.closeAll();
    }

    static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        return t;
    }

    @Override
    public String toString() {
        return "Pool[" + key + "]";
    }
}
