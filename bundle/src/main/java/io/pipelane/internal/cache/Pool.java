package io.pipelane.internal.cache;

import io.pipelane.BodyHandler;
import io.pipelane.CacheMetrics;
import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.ProxyOptions;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.internal.codec.Printable;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The connections of a cache to one endpoint, and the requests waiting for room on them.
 *
 * <h2>Locking</h2>
 * Every field marked "guarded" is used under {@code this}. Nothing that may call back into the pool runs under
 * it: {@link Connection#call}, {@code shutdown}, {@code close} and completing the callers' futures all happen
 * after the lock is released. (The pool takes a connection's lock, through {@link Connection#length()}, while
 * holding its own; a connection never calls out while holding its lock, so the order cannot invert.)
 *
 * <h2>Dispatching</h2>
 * New requests, retries and the requests waiting for room all go through one FIFO queue, {@code waiting};
 * {@link #dispatch()} places the requests at its head as long as a connection has room. It runs after every
 * change that may make room (a request sent, a connection's length changed, a connection opened or removed).
 * Only one thread dispatches at a time; a change seen meanwhile makes it go round once more.
 */
final class Pool {
    private static final System.Logger LOG = System.getLogger("io.pipelane");

    final PipelaneConnectionCache cache;
    /** The metrics key: the endpoint's name, or its URI. */
    final String key;
    /** The endpoint, or null for a named endpoint (its connections know it). */
    final Endpoint endpoint;
    /** The endpoint's name in the factory, or null. */
    final String name;
    /** Replaced by {@link #reconfigure}: each decision reads the options of the moment. */
    private volatile CacheOptions options;

    // --- guarded by this ---
    private final List<Slot> slots = new ArrayList<>();
    private final ArrayDeque<Attempt<?>> waiting = new ArrayDeque<>();
    /** close() has run: no request is queued any more (guarded by this). */
    private boolean poolClosed;
    private boolean dispatching;
    private boolean dispatchAgain;
    /** A connection to this endpoint failed: the next one sends its first request alone. */
    private boolean recentFailure;
    private Endpoint seenEndpoint;

    /** No-cache mode: the fresh connections open now. */
    private final Set<Connection> fresh = ConcurrentHashMap.newKeySet();

    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong replaced = new AtomicLong();

    Pool(PipelaneConnectionCache cache, String key, Endpoint endpoint, String name, CacheOptions options) {
        this.cache = cache;
        this.key = key;
        this.endpoint = endpoint;
        this.name = name;
        this.options = options;
        this.seenEndpoint = endpoint;
    }

    /** A request on its way through the cache: its caller's future, and how often it was sent again. */
    static final class Attempt<T> {
        final Request request;
        final BodyHandler<T> handler;
        final CompletableFuture<Response<T>> result = new CompletableFuture<>();
        int retries;
        /** Times a connection refused it untouched (RetryException.Reason.REFUSED): placed again for free, up to 16. */
        int refusals;
        /** Guarded by the pool: whether it is in the waiting queue, and which wait its timer belongs to. */
        boolean queued;
        int waitGeneration;

        Attempt(Request request, BodyHandler<T> handler) {
            this.request = request;
            this.handler = handler;
        }
    }

    /** One connection of the pool, from the moment it is decided until it has ended. */
    static final class Slot {
        /** Null while connecting. */
        Connection connection;
        /** Requests placed on it while it connects; sent in order once it is up. Guarded by the pool. */
        final List<Attempt<?>> pending = new ArrayList<>();
        /** Requests placed on it whose call() has not returned yet (pending ones included). Guarded. */
        int reserved;
        /** When it became idle (System.nanoTime), 0 while busy. Guarded. */
        long idleSince;
        /** Shut down by the keep timer, or gone: never chosen again. Guarded. */
        boolean retired;
        /** Opened with Persistence.TRUE: it pipelines from its first request, even while connecting. Guarded. */
        boolean pipelinesFromStart;
        /** Retired by a configuration change: it finishes what it holds, then ends. Guarded. */
        boolean draining;
        /** Responses received on it: a connection that answered nothing made no progress. Guarded. */
        int answered;

        int load() {
            Connection c = connection;
            return (c == null ? 0 : c.length()) + reserved;
        }

        boolean usable() {
            return !retired && (connection == null || !connection.isClosed());
        }

        /**
         * How many unfulfilled requests it may hold: {@code depth} once it pipelines, else one. A connection that
         * does not pipeline (yet: under Persistence.AUTO its first response decides) would only hold the others
         * back, and fail them with Retry if that response ends it.
         */
        int capacity(int depth) {
            Connection c = connection;
            return (c != null ? c.isPipelining() : pipelinesFromStart) ? depth : 1;
        }
    }

    // ------------------------------------------------------------------------------------------ submitting

    <T> CompletableFuture<Response<T>> submit(Request request, BodyHandler<T> handler) {
        Attempt<T> a = new Attempt<>(request, handler);
        requests.incrementAndGet();
        active.incrementAndGet();
        if (options.reuse()) {
            enqueue(a, false);
        } else {
            sendOnFreshConnection(a);
        }
        return a.result;
    }

    /** Queues a request (a retry goes first: it has waited longest) and dispatches. */
    private void enqueue(Attempt<?> a, boolean front) {
        if (cache.isClosed()) {
            fail(a, cache.closedFailure(a.request));
            return;
        }
        boolean refused;
        synchronized (this) {
            // Checked again under the lock: close() may have run since the check above.
            refused = poolClosed;
            if (!refused) {
                if (front) waiting.addFirst(a);
                else waiting.addLast(a);
                a.queued = true;
                a.waitGeneration++;
            }
        }
        if (refused) {
            fail(a, cache.closedFailure(a.request));
            return;
        }
        dispatch();
        int generation;
        synchronized (this) {
            if (!a.queued) return;
            generation = a.waitGeneration;
        }
        long millis = options.waitTimeout().toMillis();
        CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS).execute(() -> waitExpired(a, generation));
    }

    private void waitExpired(Attempt<?> a, int generation) {
        synchronized (this) {
            if (!a.queued || a.waitGeneration != generation) return;
            a.queued = false;
            waiting.remove(a);
        }
        fail(a, new PipelaneTimeoutException(PipelaneTimeoutException.Phase.CACHE_WAIT, options.waitTimeout(),
                a.request + " waited for a connection to " + key + " with room (parallel=" + options.parallel()
                        + ", depth=" + options.depth() + ") and was not sent; waiting"));
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
                Attempt<?> a;
                Slot s;
                boolean open;
                boolean sendNow;
                synchronized (this) {
                    a = waiting.peek();
                    s = a == null ? null : choose();
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
                    open = s.connection == null && s.pending.isEmpty() && s.reserved == 0;
                    s.reserved++;
                    s.idleSince = 0;
                    // Decided here, under the lock: once it is released, connected() may send the pending
                    // requests, and reading s.connection again would send this one a second time.
                    sendNow = s.connection != null;
                    if (!sendNow) s.pending.add(a);
                }
                if (open) {
                    open(s);
                } else if (sendNow) {
                    send(s, a);
                }
            }
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                dispatching = false;
            }
            throw e;
        }
    }

    /**
     * The connection for the next request: idle, else new (under parallel), else the shallowest under its
     * capacity (depth, or one while it does not pipeline); null if none has room. Under the lock. A new slot is added to the pool here.
     */
    private Slot choose() {
        for (Slot s : slots) {
            if (s.usable() && s.connection != null && s.load() == 0) return s;
        }
        if (slots.size() < options.parallel()) {
            Slot s = new Slot();
            slots.add(s);
            return s;
        }
        Slot best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (Slot s : slots) {
            if (!s.usable()) continue;
            int load = s.load();
            if (load < s.capacity(options.depth()) && load < bestLoad) {
                best = s;
                bestLoad = load;
            }
        }
        return best;
    }

    // ------------------------------------------------------------------------------------------ connections

    private void open(Slot s) {
        opened.incrementAndGet();
        CompletionStage<Connection> stage;
        try {
            stage = connect(s);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((c, err) -> {
            if (err != null) connectFailed(s, unwrap(err));
            else connected(s, c);
        });
    }

    /** Opens a connection: to the endpoint with the cache's options, or to the named endpoint with its own. */
    private CompletionStage<Connection> connect(Slot s) {
        if (name != null) return cache.factory().connect(name);
        ConnectionOptions base = options.connectionOptions() != null ? options.connectionOptions()
                : cache.factory().defaultOptions();
        ConnectionOptions.Builder b = base.toBuilder();
        if (base.proxy() == null) b.proxy(options.proxies().select(endpoint));
        Function<? super Connection, ? extends CompletionStage<Void>> user = base.finaliser();
        b.finaliser(c -> {
            removed(s, c);
            if (user == null) return CompletableFuture.completedFuture(null);
            CompletionStage<Void> stage = user.apply(c);
            return stage != null ? stage : CompletableFuture.completedFuture(null);
        });
        boolean alone;
        synchronized (this) {
            alone = recentFailure;
        }
        // RFC 9112 §9.3.2: after a connection failed, the first request on a new one goes alone.
        if (alone && base.persistence() == Persistence.TRUE) b.persistence(Persistence.AUTO);
        ConnectionOptions o = b.build();
        synchronized (this) {
            s.pipelinesFromStart = o.persistence() == Persistence.TRUE;
        }
        return cache.factory().connect(endpoint, o);
    }

    private void connected(Slot s, Connection c) {
        List<Attempt<?>> toSend;
        boolean closeIt;
        boolean drain;
        synchronized (this) {
            s.connection = c;
            if (seenEndpoint == null) seenEndpoint = c.endpoint();
            closeIt = cache.isClosed() || (s.retired && !s.draining);
            drain = s.draining;
            toSend = new ArrayList<>(s.pending);
            s.pending.clear();
        }
        if (name != null) c.closed().whenComplete((v, t) -> removed(s, c)); // no finaliser of ours on it
        if (closeIt) c.close();
        for (Attempt<?> a : toSend) send(s, a);
        if (drain) c.shutdown();
        watch(s, c);
        dispatch();
    }

    private void connectFailed(Slot s, Throwable error) {
        List<Attempt<?>> failed;
        synchronized (this) {
            slots.remove(s);
            s.retired = true;
            recentFailure = true;
            failed = new ArrayList<>(s.pending);
            s.pending.clear();
            s.reserved = 0;
        }
        LOG.log(System.Logger.Level.DEBUG, () -> Printable.line("cannot connect to " + key + ": " + error));
        for (Attempt<?> a : failed) {
            fail(a, error instanceof RetryException ? error : new RetryException(a.request
                    + " was not sent: cannot connect to " + key + ": " + message(error), error));
        }
        dispatch();
    }

    /**
     * Follows a connection's length and state: marks it idle (and arms the keep timer), and dispatches. The next
     * change is asked for before the state is read, so that no change between the two is missed.
     */
    private void watch(Slot s, Connection c) {
        CompletionStage<Void> next = c.nextChange();
        changed(s, c);
        if (!c.state().isTerminal()) next.whenComplete((v, t) -> watch(s, c));
    }

    private void changed(Slot s, Connection c) {
        if (c.state().isTerminal()) {
            removed(s, c);
            return;
        }
        armKeepIfIdle(s, c);
        dispatch();
    }

    /** Marks the connection idle and arms its keep timer, if nothing is reserved on it or outstanding. */
    private void armKeepIfIdle(Slot s, Connection c) {
        long since = 0;
        synchronized (this) {
            if (s.usable() && s.idleSince == 0 && s.reserved == 0 && c.length() == 0) {
                since = System.nanoTime();
                s.idleSince = since;
            }
        }
        if (since != 0) {
            long stamp = since;
            CompletableFuture.delayedExecutor(options.keep().toMillis(), TimeUnit.MILLISECONDS)
                    .execute(() -> keepExpired(s, c, stamp));
        }
    }

    /** The keep timer of an idle connection: shut it down if it has stayed idle since. */
    private void keepExpired(Slot s, Connection c, long since) {
        synchronized (this) {
            if (s.retired || s.idleSince != since || s.reserved != 0 || c.length() != 0) return;
            s.retired = true;
        }
        LOG.log(System.Logger.Level.DEBUG, () -> c + " idle for " + options.keep().toMillis() + " ms: shutting down");
        c.shutdown();
    }

    /** A connection ended (its finaliser, or its closed stage): it leaves the pool, and may make room. */
    private void removed(Slot s, Connection c) {
        synchronized (this) {
            if (!slots.remove(s)) return;
            s.retired = true;
            if (c.state() == ConnectionState.FAILED) recentFailure = true;
        }
        dispatch();
    }

    // ------------------------------------------------------------------------------------------ requests

    private <T> void send(Slot s, Attempt<T> a) {
        CompletableFuture<Response<T>> f;
        try {
            f = s.connection.call(a.request, a.handler);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        synchronized (this) {
            s.reserved--;
        }
        // The response may already be complete: its change was seen while this request was still reserved.
        armKeepIfIdle(s, s.connection);
        f.whenComplete((r, err) -> {
            if (err == null) {
                synchronized (this) {
                    s.answered++;
                }
                succeed(a, r);
            } else {
                failed(a, unwrap(err), s);
            }
        });
    }

    private <T> void succeed(Attempt<T> a, Response<T> r) {
        synchronized (this) {
            recentFailure = false;
        }
        active.decrementAndGet();
        completed.incrementAndGet();
        a.result.complete(r);
    }

    /**
     * A request failed on a connection ({@code s}, or null for a no-cache connection): send it again when that is
     * safe and allowed, else fail it. A request the server certainly did not process, on a connection that
     * answered at least one request, is placed again without counting against {@code retry}: that connection
     * made progress, so the loop ends (a server that answers nothing uses up {@code retry} as before). A request
     * refused untouched by a connection that had just closed is placed again for free as well (up to 16 times):
     * the connection's responses complete on the executor, so its {@code answered} count may lag its closing.
     */
    private void failed(Attempt<?> a, Throwable error, Slot s) {
        if (error instanceof RetryException) {
            RetryException retry = (RetryException) error;
            boolean bodyIntact = retry.reason() == RetryException.Reason.REFUSED || a.request.body().isRepeatable();
            boolean progress;
            synchronized (this) {
                progress = s != null && s.answered > 0;
            }
            boolean refused = retry.reason() == RetryException.Reason.REFUSED && a.refusals < 16;
            if (refused) a.refusals++;
            if (retry.certainlyNotProcessed() && bodyIntact && (progress || refused)) {
                replaced.incrementAndGet();
                LOG.log(System.Logger.Level.DEBUG, () -> "placing " + a.request + " on another connection to "
                        + key + ": " + error.getMessage());
                requeue(a);
                return;
            }
            if (!a.request.body().isRepeatable()) {
                fail(a, error);
                return;
            }
            if (a.retries < options.retry()) {
                a.retries++;
                retries.incrementAndGet();
                LOG.log(System.Logger.Level.DEBUG, () -> Printable.line("sending " + a.request + " to " + key
                        + " again (" + a.retries + " of " + options.retry() + "): " + error.getMessage()));
                requeue(a);
                return;
            }
        }
        fail(a, error);
    }

    private void requeue(Attempt<?> a) {
        if (options.reuse()) {
            enqueue(a, true);
        } else {
            sendOnFreshConnection(a);
        }
    }

    private void fail(Attempt<?> a, Throwable error) {
        active.decrementAndGet();
        failures.incrementAndGet();
        a.result.completeExceptionally(error);
    }

    // ------------------------------------------------------------------------------------------ no cache

    /** cohttp's no-cache mode: a connection of its own, shut down behind the request (it closes after the response). */
    private <T> void sendOnFreshConnection(Attempt<T> a) {
        if (cache.isClosed()) {
            fail(a, cache.closedFailure(a.request));
            return;
        }
        opened.incrementAndGet();
        CompletionStage<Connection> stage;
        try {
            if (name != null) {
                stage = cache.factory().connect(name);
            } else {
                ConnectionOptions base = options.connectionOptions() != null ? options.connectionOptions()
                        : cache.factory().defaultOptions();
                ProxyOptions proxy = base.proxy() != null ? base.proxy() : options.proxies().select(endpoint);
                // Persistence.FALSE: the request carries Connection: close, and the connection ends after it.
                stage = cache.factory().connect(endpoint, base.toBuilder().proxy(proxy)
                        .persistence(Persistence.FALSE).build());
            }
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((c, err) -> {
            if (err != null) {
                Throwable e = unwrap(err);
                fail(a, e instanceof RetryException ? e : new RetryException(a.request
                        + " was not sent: cannot connect to " + key + ": " + message(e), e));
                return;
            }
            synchronized (this) {
                if (seenEndpoint == null) seenEndpoint = c.endpoint();
            }
            fresh.add(c);
            c.closed().whenComplete((v, t) -> fresh.remove(c));
            if (cache.isClosed()) c.close();
            CompletableFuture<Response<T>> f = c.call(a.request, a.handler);
            f.whenComplete((r, e) -> {
                // Persistence.FALSE ends the connection by itself; a named endpoint keeps its own options, so its
                // connection is closed here once the response body has been read (no half-close before: some
                // servers and proxies take a FIN for an abort).
                closeWhenDone(c);
                if (e == null) succeed(a, r);
                else failed(a, unwrap(e), null);
            });
        });
    }

    /** Closes a no-cache connection once nothing is outstanding on it (a streamed body counts until read). */
    private static void closeWhenDone(Connection c) {
        if (c.state().isTerminal()) return;
        if (c.length() == 0) {
            c.close();
        } else {
            c.nextChange().whenComplete((v, t) -> closeWhenDone(c));
        }
    }

    // ------------------------------------------------------------------------------------------ the rest

    CacheMetrics metrics() {
        synchronized (this) {
            int idle = 0;
            for (Slot s : slots) {
                if (s.usable() && s.connection != null && s.load() == 0) idle++;
            }
            return new CacheMetrics(key, seenEndpoint, slots.size() + fresh.size(), idle, active.get(),
                    waiting.size(), requests.get(), completed.get(), retries.get(), failures.get(), opened.get(),
                    replaced.get());
        }
    }

    List<Connection> connections() {
        List<Connection> list = new ArrayList<>();
        synchronized (this) {
            for (Slot s : slots) {
                if (s.connection != null) list.add(s.connection);
            }
        }
        list.addAll(fresh);
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
                    if (s.retired) continue;
                    s.retired = true;
                    s.draining = true;
                    if (s.connection != null) drain.add(s.connection);
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
            poolClosed = true;
            waiters = new ArrayList<>(waiting);
            waiting.clear();
            for (Attempt<?> a : waiters) a.queued = false;
            for (Slot s : slots) {
                s.retired = true;
                if (s.connection != null) open.add(s.connection);
            }
        }
        open.addAll(fresh);
        for (Attempt<?> a : waiters) {
            fail(a, new RetryException(a.request + " was not sent: " + reason.getMessage(), reason));
        }
        for (Connection c : open) c.close();
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
