package io.pipelane.internal.cache;

import io.pipelane.BodyHandler;
import io.pipelane.CacheMetrics;
import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.ResponseHead;
import io.pipelane.RetryException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The connections of a cache to one endpoint ({@link Slot}s), and the requests waiting for room on them.
 * {@link Placement} decides where a request goes, {@link RetryPolicy} what happens after a failure,
 * {@link KeepAlive} reads what the server announces; this class applies them and owns the state.
 *
 * <h2>Lifecycle</h2>
 * OPEN (takes requests) → CLOSED ({@link #close}: its cache closed) or REMOVED (idle past {@code keep} with no
 * connection and nothing to do: the cache forgets it, and a request that still reaches it goes to a new pool).
 *
 * <h2>Locking and threads</h2>
 * Every field marked "guarded" is used under {@code this}. Nothing that may call back into the pool runs under
 * it: {@link Connection#call}, {@code shutdown}, {@code close} and completing the callers' futures all happen
 * after the lock is released. (The pool takes a connection's lock, through {@link Connection#length()}, while
 * holding its own; a connection never calls out while holding its lock, so the order cannot invert.) The pool
 * runs on the callers' threads, the connections' reader threads (responses, failures, changes) and the
 * factory's {@link CacheTimer} (wait timeouts, keep timers, its own removal).
 *
 * <h2>Dispatching</h2>
 * New requests, retries and re-placements all go through one queue in call order, {@code waiting} (a request
 * sent again goes back to its place); {@link #dispatch()} places the requests at its head while a connection has
 * room, so a request never waits behind a later one. Only one thread dispatches at a time; a change seen meanwhile makes it
 * go round once more. A request placed on a slot goes into the slot's outbox, which one thread at a time hands
 * to the connection ({@link #flush}): requests reach a connection in the order they were placed.
 */
final class Pool {
    private static final System.Logger LOG = System.getLogger("io.pipelane");

    enum State { OPEN, CLOSED, REMOVED }

    final PipelaneConnectionCache cache;
    /** The metrics key: the endpoint's name, or its URI. */
    final String key;
    /** The endpoint, or null for a named endpoint (its connections know it). */
    final Endpoint endpoint;
    /** The endpoint's name in the factory, or null. */
    final String name;
    /** Replaced by {@link #reconfigure}: each decision reads the options of the moment. */
    private volatile CacheOptions options;
    private final Opener opener;
    private final NoCache noCache;
    private final CacheTimer timer;

    // --- guarded by this ---
    private State state = State.OPEN;
    private final List<Slot> slots = new ArrayList<>();
    /** In call order: a request sent again goes back to its place, ahead of every later call. */
    private final PriorityQueue<Attempt<?>> waiting = new PriorityQueue<>(Comparator.comparingLong(a -> a.seq));
    /** The call order of the next request. */
    private long nextSeq;
    private boolean dispatching;
    private boolean dispatchAgain;
    /** A connection to this endpoint failed: the next one sends its first request alone. */
    private boolean recentFailure;
    private Endpoint seenEndpoint;
    private final ServerLimits limits = new ServerLimits();
    /** Since when (System.nanoTime) the pool has had no connection and nothing to do; 0 while it has. */
    private long emptySince;

    private final PoolCounters counters = new PoolCounters();

    Pool(PipelaneConnectionCache cache, String key, Endpoint endpoint, String name, CacheOptions options,
         CacheTimer timer) {
        this.cache = cache;
        this.key = key;
        this.endpoint = endpoint;
        this.name = name;
        this.options = options;
        this.timer = timer;
        this.seenEndpoint = endpoint;
        this.opener = new Opener(cache, endpoint, name);
        this.noCache = new NoCache(opener);
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
    private void dispatch() {
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
                    s = a == null || state != State.OPEN ? null : Placement.choose(slots, options, this::newSlot);
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
                    open = !slots.contains(s);
                    if (open) slots.add(s);
                    s.place(a);
                }
                if (open) open(s);
                else flush(s);
            }
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                dispatching = false;
            }
            throw e;
        }
    }

    /** A slot for a new connection, limited to what the server was seen to allow. Under the lock. */
    private Slot newSlot() {
        return limits.newSlot(options.keep());
    }

    // ------------------------------------------------------------------------------------------ connections

    private void open(Slot s) {
        counters.opened.incrementAndGet();
        boolean alone;
        synchronized (this) {
            alone = recentFailure;
        }
        Opener.Opening opening = opener.open(options, alone, c -> removed(s, c));
        synchronized (this) {
            s.pipelinesFromStart = opening.pipelinesFromStart();
        }
        opening.connection().whenComplete((c, err) -> {
            if (err != null) connectFailed(s, unwrap(err));
            else connected(s, c);
        });
    }

    private void connected(Slot s, Connection c) {
        boolean closeIt;
        boolean drain;
        synchronized (this) {
            s.connected(c);
            if (seenEndpoint == null) seenEndpoint = c.endpoint();
            closeIt = cache.isClosed() || s.state() == SlotState.RETIRED;
            drain = s.state() == SlotState.DRAINING;
        }
        if (closeIt) c.close();
        flush(s); // the requests placed while it connected, in order
        if (drain) c.shutdown();
        watch(s, c);
        dispatch();
    }

    private void connectFailed(Slot s, Throwable error) {
        List<Attempt<?>> failed;
        synchronized (this) {
            slots.remove(s);
            s.end();
            recentFailure = true;
            failed = new ArrayList<>(s.outbox);
            s.outbox.clear();
            s.reserved = 0;
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "cannot connect to " + key + ": " + error);
        for (Attempt<?> a : failed) fail(a, connectFailure(a, error));
        dispatch();
        checkEmpty();
    }

    private Throwable connectFailure(Attempt<?> a, Throwable error) {
        return error instanceof RetryException ? error : new RetryException(RetryException.Reason.NOT_SENT,
                a.request + " was not sent: cannot connect to " + key + ": " + message(error), error);
    }

    /**
     * Follows a connection's length and state: marks it idle (and arms the keep timer), and dispatches. The next
     * change is asked for before the state is read, so that no change between the two is missed.
     */
    private void watch(Slot s, Connection c) {
        CompletionStage<Void> next = c.nextChange();
        if (c.state().isTerminal()) {
            removed(s, c);
            return;
        }
        armKeepIfIdle(s, c);
        dispatch();
        next.whenComplete((v, t) -> watch(s, c));
    }

    /**
     * If nothing is placed on the connection or outstanding: an exhausted one is shut down now (it takes nothing
     * more); another is marked idle and its keep timer armed ({@code keep}, or less if the server announced a
     * shorter timeout).
     */
    private void armKeepIfIdle(Slot s, Connection c) {
        long since = 0;
        boolean shutdown = false;
        synchronized (this) {
            if (s.reserved == 0 && c.length() == 0) {
                if (s.state() == SlotState.EXHAUSTED) {
                    shutdown = s.retire();
                } else if (s.state() == SlotState.OPEN && s.idleSince == 0) {
                    since = System.nanoTime();
                    s.idleSince = since;
                }
            }
        }
        if (shutdown) {
            c.shutdown();
        } else if (since != 0) {
            long stamp = since;
            timer.schedule(s.idleLimit, () -> keepExpired(s, c, stamp));
        }
    }

    /** The keep timer of an idle connection: shut it down if it has stayed idle since. */
    private void keepExpired(Slot s, Connection c, long since) {
        synchronized (this) {
            if (s.state() != SlotState.OPEN || s.idleSince != since || s.reserved != 0 || c.length() != 0) return;
            s.retire();
        }
        LOG.log(System.Logger.Level.DEBUG, () -> c + " idle for " + s.idleLimit.toMillis() + " ms: shutting down");
        c.shutdown();
    }

    /**
     * A connection ended (its finaliser, or its closed stage): it leaves the pool, and may make room. If the
     * server announced it closes after a successful response while requests were still placed on the connection
     * behind it, the count it answered is its limit: later connections take at most that many.
     */
    private void removed(Slot s, Connection c) {
        int learned = 0;
        synchronized (this) {
            if (!slots.remove(s)) return;
            learned = limits.connectionEnded(s, slots);
            s.end();
            if (c.state() == ConnectionState.FAILED) recentFailure = true;
        }
        if (learned > 0) {
            int n = learned;
            LOG.log(System.Logger.Level.DEBUG, () -> key + " closes connections after " + n + " requests");
        }
        dispatch();
        checkEmpty();
    }

    // ------------------------------------------------------------------------------------------ requests

    /** Hands the slot's outbox to its connection, in order, unless another thread is doing so. */
    private void flush(Slot s) {
        Attempt<?> a;
        Connection c;
        synchronized (this) {
            c = s.connection();
            if (s.sending || c == null) return;
            a = s.outbox.poll();
            if (a == null) return;
            s.sending = true;
        }
        while (a != null) {
            send(s, c, a);
            synchronized (this) {
                s.reserved--;
                a = s.outbox.poll();
                if (a == null) s.sending = false;
            }
        }
        // The responses may already be complete: their changes were seen while the requests were reserved.
        armKeepIfIdle(s, c);
    }

    private <T> void send(Slot s, Connection c, Attempt<T> a) {
        CompletableFuture<Response<T>> f;
        try {
            f = c.call(a.request, (head, connectionOptions) -> {
                headArrived(s, head);
                return a.handler.open(head, connectionOptions);
            });
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((r, err) -> {
            if (err == null) succeed(a, r);
            else failed(a, unwrap(err), s);
        });
    }

    /** On the reader thread, as a response's head arrives. */
    private void headArrived(Slot s, ResponseHead head) {
        synchronized (this) {
            limits.headArrived(s, head, options.keep());
        }
    }

    private <T> void succeed(Attempt<T> a, Response<T> r) {
        synchronized (this) {
            recentFailure = false;
        }
        boolean none = counters.active.decrementAndGet() == 0; // before the caller sees the result
        counters.completed.incrementAndGet();
        a.result.complete(r);
        if (none) checkEmpty();
    }

    /** A request failed on a connection ({@code s}, or null for a no-cache one): as {@link RetryPolicy} says. */
    private void failed(Attempt<?> a, Throwable error, Slot s) {
        boolean answered;
        synchronized (this) {
            answered = s != null && s.answered > 0;
        }
        switch (RetryPolicy.decide(error, a, options.retry(), answered)) {
            case REPLACE:
                counters.replaced.incrementAndGet();
                LOG.log(System.Logger.Level.DEBUG, () -> "placing " + a.request + " on another connection to "
                        + key + ": " + error.getMessage());
                requeue(a);
                break;
            case RETRY:
                a.retries++;
                counters.retries.incrementAndGet();
                LOG.log(System.Logger.Level.DEBUG, () -> "sending " + a.request + " to " + key + " again ("
                        + a.retries + " of " + options.retry() + "): " + error.getMessage());
                requeue(a);
                break;
            default:
                fail(a, error);
        }
    }

    private void fail(Attempt<?> a, Throwable error) {
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
        noCache.send(a, options, (r, err) -> {
            if (err == null) succeed(a, r);
            else failed(a, unwrap(err), null);
        }, err -> connectFailure(a, unwrap(err)), counters.opened::incrementAndGet);
    }

    // ------------------------------------------------------------------------------------------ removal

    /** Nothing left to do: arm the removal of the pool after {@code keep}. */
    private void checkEmpty() {
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
        return state == State.OPEN && slots.isEmpty() && waiting.isEmpty() && counters.active.get() == 0 && noCache.size() == 0;
    }

    // ------------------------------------------------------------------------------------------ the rest

    CacheMetrics metrics() {
        synchronized (this) {
            int idle = 0;
            for (Slot s : slots) {
                if (s.isIdle()) idle++;
            }
            return counters.snapshot(key, seenEndpoint, slots.size() + noCache.size(), idle, waiting.size(),
                    limits.learned());
        }
    }

    List<Connection> connections() {
        List<Connection> list = new ArrayList<>();
        synchronized (this) {
            for (Slot s : slots) {
                if (s.connection() != null) list.add(s.connection());
            }
        }
        list.addAll(noCache.connections());
        return List.copyOf(list);
    }

    CacheOptions options() {
        return options;
    }

    /**
     * New options for the decisions from now on. With {@code renew}, the connections open now (or connecting)
     * take no more requests: each finishes the requests it holds (they are not failed) and then ends, and new
     * connections are opened with the configuration of the moment (within {@code parallel}: a draining
     * connection still counts until it has ended).
     */
    void reconfigure(CacheOptions newOptions, boolean renew) {
        List<Connection> drain = new ArrayList<>();
        synchronized (this) {
            options = newOptions;
            if (renew) {
                for (Slot s : slots) {
                    if (s.drain() && s.connection() != null) drain.add(s.connection());
                }
            }
        }
        for (Connection c : drain) c.shutdown(); // queued requests are still written and answered
        dispatch();
    }

    void close(ConnectionClosedException reason) {
        List<Attempt<?>> waiters;
        List<Connection> open = new ArrayList<>();
        synchronized (this) {
            if (state == State.OPEN) state = State.CLOSED;
            waiters = new ArrayList<>(waiting);
            waiting.clear();
            for (Attempt<?> a : waiters) {
                a.queued = false;
                if (a.waitTimer != null) a.waitTimer.cancel();
            }
            for (Slot s : slots) {
                s.retire();
                if (s.connection() != null) open.add(s.connection());
            }
        }
        for (Attempt<?> a : waiters) {
            fail(a, new RetryException(RetryException.Reason.NOT_SENT, a.request + " was not sent: "
                    + reason.getMessage(), reason));
        }
        for (Connection c : open) c.close();
        noCache.closeAll();
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        return t;
    }

    private static String message(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    @Override
    public String toString() {
        return "Pool[" + key + "]";
    }
}
