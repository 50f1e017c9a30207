package io.pipelane.internal.cache;

import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.Response;
import io.pipelane.ResponseHead;
import io.pipelane.RetryException;
import io.pipelane.internal.codec.Printable;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The connections of one {@link Pool} ({@link Slot}s) through their lives: opened, given requests in order,
 * followed (idle, keep timer, what the server announces), retired and removed. The pool decides which slot a
 * request goes to ({@link Placement}) and what a failure means ({@link RetryPolicy}); this class owns the slots.
 *
 * <p>Locking: every method that touches a slot does so under the pool's monitor ({@code lock}), and calls nothing
 * that may call back (a connection's {@code call}, {@code shutdown}, {@code close}, the pool's outcomes) while
 * holding it. Threads: the pool's dispatching thread, the connections' reader threads and the cache's timer.
 */
final class PoolConnections {
    private static final System.Logger LOG = io.pipelane.internal.log.Logs.logger(PoolConnections.class);

    private final Pool pool;
    private final Object lock;
    private final Opener opener;
    private final CacheTimer timer;

    // --- guarded by lock ---
    private final List<Slot> slots = new ArrayList<>();
    private final ServerLimits limits = new ServerLimits();
    /** A connection to this endpoint failed: the next one sends its first request alone. */
    private boolean recentFailure;
    private Endpoint seenEndpoint;

    PoolConnections(Pool pool, Opener opener, CacheTimer timer, Endpoint endpoint) {
        this.pool = pool;
        this.lock = pool;
        this.opener = opener;
        this.timer = timer;
        this.seenEndpoint = endpoint;
    }

    // ------------------------------------------------------------------------------------------ placing (under lock)

    /**
     * The slot for the next request, or null if none has room. A new slot (nothing placed on it yet) is added to
     * the pool here; the caller opens its connection once the lock is released. Under the lock.
     */
    Slot choose(CacheOptions options) {
        return Placement.choose(slots, options, () -> {
            Slot s = limits.newSlot(options.keep());
            slots.add(s);
            return s;
        });
    }

    /** Whether the pool has no connection, connecting or open. Under the lock. */
    boolean isEmpty() {
        return slots.isEmpty();
    }

    /** Under the lock. */
    int size() {
        return slots.size();
    }

    /** Under the lock. */
    int idle() {
        int idle = 0;
        for (Slot s : slots) {
            if (s.isIdle()) idle++;
        }
        return idle;
    }

    /** Under the lock. */
    int learnedLimit() {
        return limits.learned();
    }

    /** Under the lock. */
    Endpoint seenEndpoint() {
        return seenEndpoint;
    }

    /** A request succeeded: the endpoint works again. Under the lock. */
    void succeeded() {
        recentFailure = false;
    }

    // ------------------------------------------------------------------------------------------ opening

    /** Opens the connection of a new slot (its first request is in its outbox). */
    void open(Slot s, CacheOptions options) {
        pool.counters.opened.incrementAndGet();
        boolean alone;
        synchronized (lock) {
            alone = recentFailure;
        }
        Opener.Opening opening = opener.open(options, alone, c -> removed(s, c));
        synchronized (lock) {
            s.pipelinesFromStart = opening.pipelinesFromStart();
        }
        opening.connection().whenComplete((c, err) -> {
            if (err != null) connectFailed(s, Pool.unwrap(err));
            else connected(s, c);
        });
    }

    private void connected(Slot s, Connection c) {
        boolean closeIt;
        boolean drain;
        synchronized (lock) {
            s.connected(c);
            if (seenEndpoint == null) seenEndpoint = c.endpoint();
            closeIt = pool.cache.isClosed() || s.state() == SlotState.RETIRED;
            drain = s.state() == SlotState.DRAINING;
        }
        if (closeIt) c.close();
        flush(s); // the requests placed while it connected, in order
        if (drain) c.shutdown();
        watch(s, c);
        pool.dispatch();
    }

    private void connectFailed(Slot s, Throwable error) {
        List<Attempt<?>> failed;
        synchronized (lock) {
            slots.remove(s);
            s.end();
            recentFailure = true;
            failed = new ArrayList<>(s.outbox);
            s.outbox.clear();
            s.reserved = 0;
        }
        LOG.log(System.Logger.Level.DEBUG, () -> Printable.line("cannot connect to " + pool.key + ": " + error));
        boolean retryable = RetryPolicy.endedAfterAccept(error);
        for (Attempt<?> a : failed) {
            if (retryable) pool.failed(a, notSent(a, pool.key, error), false);
            else pool.fail(a, notSent(a, pool.key, error));
        }
        pool.dispatch();
        pool.checkEmpty();
    }

    // ------------------------------------------------------------------------------------------ following

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
        pool.dispatch();
        next.whenComplete((v, t) -> watch(s, c));
    }

    /**
     * If nothing is placed on the connection or outstanding: an exhausted one is shut down now (it takes nothing
     * more); another is marked idle and its keep timer armed ({@code keep}, or less if the server announced a
     * shorter timeout).
     */
    private void armKeepIfIdle(Slot s, Connection c) {
        boolean shutdown = false;
        synchronized (lock) {
            if (s.reserved == 0 && c.length() == 0) {
                if (s.state() == SlotState.EXHAUSTED) {
                    shutdown = s.retire();
                } else if (s.state() == SlotState.OPEN && s.idleSince == 0) {
                    long since = System.nanoTime();
                    // Scheduling never calls back: safe under the lock, and the slot holds the timer to cancel it.
                    s.idle(since, timer.schedule(s.idleLimit, () -> keepExpired(s, c, since)));
                }
            }
        }
        if (shutdown) c.shutdown();
    }

    /** The keep timer of an idle connection: shut it down if it has stayed idle since. */
    private void keepExpired(Slot s, Connection c, long since) {
        synchronized (lock) {
            if (s.state() != SlotState.OPEN || s.idleSince != since || s.reserved != 0 || c.length() != 0) return;
            s.retire();
        }
        LOG.log(System.Logger.Level.DEBUG, () -> c + " idle for " + s.idleLimit.toMillis() + " ms: shutting down");
        c.shutdown();
    }

    /**
     * A connection ended (its finaliser, or its closed stage): it leaves the pool, and may make room. A server
     * that announced its close with requests placed behind it teaches the limit ({@link ServerLimits}).
     */
    private void removed(Slot s, Connection c) {
        int learned;
        synchronized (lock) {
            if (!slots.remove(s)) return;
            learned = limits.connectionEnded(s, slots);
            s.end();
            if (c.state() == ConnectionState.FAILED) recentFailure = true;
        }
        if (learned > 0) {
            pool.cache.events().limitLearned(pool.key, "requests per connection", learned, "the server closed a"
                    + " connection after " + learned + " responses with more requests placed behind them");
            LOG.log(System.Logger.Level.DEBUG, () -> Printable.line(pool.key + " closes connections after "
                    + learned + " requests"));
        }
        pool.dispatch();
        pool.checkEmpty();
    }

    // ------------------------------------------------------------------------------------------ sending

    /** Hands the slot's outbox to its connection, in order, unless another thread is doing so. */
    void flush(Slot s) {
        Attempt<?> a;
        Connection c;
        synchronized (lock) {
            c = s.connection();
            if (s.sending || c == null) return;
            a = s.outbox.poll();
            if (a == null) return;
            s.sending = true;
        }
        while (a != null) {
            send(s, c, a);
            synchronized (lock) {
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
            if (err == null) {
                pool.succeed(a, r);
            } else {
                boolean answered;
                synchronized (lock) {
                    answered = s.answered > 0;
                }
                pool.failed(a, Pool.unwrap(err), answered);
            }
        });
    }

    /** On the reader thread, as a response's head arrives. */
    private void headArrived(Slot s, ResponseHead head) {
        synchronized (lock) {
            limits.headArrived(s, head, pool.options().keep());
        }
    }

    // ------------------------------------------------------------------------------------------ the rest

    /** The connections open now (connecting ones have none yet). */
    List<Connection> connections() {
        List<Connection> list = new ArrayList<>();
        synchronized (lock) {
            for (Slot s : slots) {
                if (s.connection() != null) list.add(s.connection());
            }
        }
        return list;
    }

    /** Renewal: every slot finishes what it holds and ends; returns the connections to shut down. Under lock. */
    List<Connection> drainAll() {
        List<Connection> drain = new ArrayList<>();
        for (Slot s : slots) {
            if (s.drain() && s.connection() != null) drain.add(s.connection());
        }
        return drain;
    }

    /** The pool closes: every slot is retired; returns the connections to close. Under lock. */
    List<Connection> retireAll() {
        List<Connection> open = new ArrayList<>();
        for (Slot s : slots) {
            s.retire();
            if (s.connection() != null) open.add(s.connection());
        }
        return open;
    }

    /** A connection that could not be opened fails its requests with this. */
    static RetryException notSent(Attempt<?> a, String key, Throwable error) {
        return error instanceof RetryException ? (RetryException) error : new RetryException(
                RetryException.Reason.NOT_SENT, a.request + " was not sent: cannot connect to " + key + ": "
                + (error.getMessage() != null ? error.getMessage() : error.toString()), error);
    }
}
