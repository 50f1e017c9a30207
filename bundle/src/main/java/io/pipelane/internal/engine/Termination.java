package io.pipelane.internal.engine;

import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The application's side of a connection's end: once {@link HttpConnection#terminate} has taken and classified
 * the outstanding requests, the finaliser runs, then the requests fail and {@code closed()} completes.
 *
 * <p>When the connection ended while its writer was starting a socket write, the requests whose first bytes are in
 * that write are classified as sent, provisionally: the write may still find the transport closed before it began
 * ({@link TransportClosedException}), and then none of them was sent. Their failures wait for the write's outcome
 * ({@link #writeResolved}), which comes at once since the transport is closed.
 *
 * <h2>Lifecycle ({@link Stage})</h2>
 * <ol>
 *   <li>{@code LIVE}: the connection has not ended.</li>
 *   <li>{@code FINALISING}: it has ended; its outstanding requests wait (still counted by {@code length()}) while
 *       the finaliser's stage runs.</li>
 *   <li>{@code AWAITING_WRITE}: the finaliser is done, the socket write in progress at the end has not returned.</li>
 *   <li>{@code OVERDUE}: the finaliser (or the write) outlived {@link ConnectionOptions#finaliserTimeout()}: logged
 *       once, and the requests are failed without it.</li>
 *   <li>{@code ENDED}: the requests have failed and {@code closed()} is complete.</li>
 * </ol>
 * <pre>
 *   LIVE ──terminate──► FINALISING ──finaliser done──────────────────────────► ENDED
 *                            │    └──finaliser done, write pending──► AWAITING_WRITE ──write returned──► ENDED
 *                            └────────────┴──finaliserTimeout──► OVERDUE ──► ENDED
 * </pre>
 * The stage and the outcomes are guarded by the connection's lock.
 */
final class Termination {
    private static final System.Logger LOG = io.pipelane.internal.log.Logs.logger(Termination.class);

    enum Stage { LIVE, FINALISING, AWAITING_WRITE, OVERDUE, ENDED }

    /** The requests to fail, each with its outcome. */
    private record Outcomes(List<Exchange<?>> exchanges, Throwable[] failures) {
    }

    private final HttpConnection connection;
    private final Object lock;
    private final ConnectionOptions options;
    /** Where the failures run when the write, not the finaliser, was the last to finish (or on overdue). */
    private final Delivery delivery;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    // --- guarded by lock ---
    private Stage stage = Stage.LIVE;
    private Outcomes outcomes;
    /**
     * While the socket write in progress at the end has not returned: for each outstanding request whose first bytes
     * are in it, its failure should that write have sent nothing; else null.
     */
    private Throwable[] ifNotSent;
    /** When the finaliser started (System.nanoTime), 0 before. */
    private volatile long finaliserStartedAt;

    Termination(HttpConnection connection, Object lock, ConnectionOptions options, Delivery delivery) {
        this.connection = connection;
        this.lock = lock;
        this.options = options;
        this.delivery = delivery;
    }

    /**
     * The connection ended: these requests fail with these outcomes once the finaliser is done. {@code ifNotSent}
     * (null if no socket write was in progress) gives the failures that replace them should the write in progress
     * turn out to have sent nothing ({@link #writeResolved}). Under lock.
     */
    void begin(List<Exchange<?>> exchanges, Throwable[] failures, Throwable[] ifNotSent) {
        if (stage != Stage.LIVE) throw new IllegalStateException(connection + ": ended twice");
        stage = Stage.FINALISING;
        outcomes = new Outcomes(exchanges, failures);
        this.ifNotSent = ifNotSent;
    }

    /**
     * The socket write that was in progress when the connection ended has returned; {@code sentNothing}: the
     * transport was closed before it began. Settles the outcomes of its requests, and fails the requests if the
     * finaliser is done already. Called without the lock.
     */
    void writeResolved(boolean sentNothing) {
        boolean failNow;
        synchronized (lock) {
            if (ifNotSent == null || outcomes == null) return;
            if (sentNothing) {
                for (int i = 0; i < ifNotSent.length; i++) {
                    if (ifNotSent[i] != null) outcomes.failures()[i] = ifNotSent[i];
                }
            }
            ifNotSent = null;
            failNow = stage == Stage.AWAITING_WRITE;
        }
        // The writer's thread may be a caller's or the reader: the failures are application code.
        if (failNow) delivery.submit("the failures of the outstanding requests", this::failOutstanding);
    }

    /** Whether the requests have failed and closed() is complete. Under lock. */
    boolean isOver() {
        return stage == Stage.ENDED;
    }

    /** The requests still waiting for the finaliser. Under lock. */
    int pending() {
        return outcomes == null ? 0 : outcomes.exchanges().size();
    }

    CompletionStage<Void> closed() {
        return closed;
    }

    /** Runs the finaliser; when its stage completes, fails the requests and completes closed(). */
    void runFinaliser() {
        finaliserStartedAt = System.nanoTime();
        CompletionStage<Void> finalised;
        if (options.finaliser() == null) {
            finalised = CompletableFuture.completedFuture(null);
        } else {
            try {
                finalised = options.finaliser().apply((Connection) connection);
                if (finalised == null) finalised = CompletableFuture.completedFuture(null);
            } catch (RuntimeException e) {
                finalised = CompletableFuture.failedFuture(e);
            }
        }
        finalised.whenComplete((v, err) -> {
            if (err != null) LOG.log(System.Logger.Level.WARNING, "the finaliser of " + connection + " failed", err);
            if (finaliserDone()) failOutstanding();
        });
    }

    /** Whether the requests fail now: false while the write in progress at the end has not returned. */
    private boolean finaliserDone() {
        synchronized (lock) {
            if (stage != Stage.FINALISING) return stage != Stage.ENDED;
            if (ifNotSent != null) {
                stage = Stage.AWAITING_WRITE;
                return false;
            }
            return true;
        }
    }

    /**
     * Called by the watchdog: if the finaliser (or the write in progress at the end) has outlived its timeout, logs
     * it once and hands the failures to the delivery. Runs no application code.
     */
    void checkOverdue(long now) {
        long started = finaliserStartedAt;
        if (started == 0 || now - started <= options.finaliserTimeout().toNanos()) return;
        Stage was;
        synchronized (lock) {
            was = stage;
            if (was != Stage.FINALISING && was != Stage.AWAITING_WRITE) return;
            stage = Stage.OVERDUE;
        }
        String what = was == Stage.FINALISING ? "the finaliser of " : "the socket write in progress at the end of ";
        LOG.log(System.Logger.Level.WARNING, () -> what + connection + " has not completed after "
                + options.finaliserTimeout().toMillis() + " ms (finaliserTimeout): failing its requests and"
                + " completing closed() without waiting for it");
        delivery.submit("the failures of the outstanding requests", this::failOutstanding);
    }

    /** Fails the outstanding requests and completes closed(), once. */
    private void failOutstanding() {
        Outcomes o;
        synchronized (lock) {
            if (stage == Stage.ENDED) return;
            stage = Stage.ENDED;
            o = outcomes;
            outcomes = null;
        }
        for (int i = 0; i < o.failures().length; i++) o.exchanges().get(i).fail(null, o.failures()[i]);
        connection.ended();
        closed.complete(null);
    }
}
