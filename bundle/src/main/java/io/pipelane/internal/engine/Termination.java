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
 * <h2>Lifecycle ({@link Stage})</h2>
 * <ol>
 *   <li>{@code LIVE}: the connection has not ended.</li>
 *   <li>{@code FINALISING}: it has ended; its outstanding requests wait (still counted by {@code length()}) while
 *       the finaliser's stage runs.</li>
 *   <li>{@code OVERDUE}: the finaliser outlived {@link ConnectionOptions#finaliserTimeout()}: logged once, and the
 *       requests are failed without it.</li>
 *   <li>{@code ENDED}: the requests have failed and {@code closed()} is complete.</li>
 * </ol>
 * <pre>
 *   LIVE ──terminate──► FINALISING ──finaliser done──► ENDED
 *                            └──finaliserTimeout──► OVERDUE ──► ENDED
 * </pre>
 * The stage and the outcomes are guarded by the connection's lock.
 */
final class Termination {
    private static final System.Logger LOG = io.pipelane.internal.log.Logs.logger(Termination.class);

    enum Stage { LIVE, FINALISING, OVERDUE, ENDED }

    /** The requests to fail, each with its outcome. */
    private record Outcomes(List<Exchange<?>> exchanges, Throwable[] failures) {
    }

    private final HttpConnection connection;
    private final Object lock;
    private final ConnectionOptions options;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    // --- guarded by lock ---
    private Stage stage = Stage.LIVE;
    private Outcomes outcomes;
    /** When the finaliser started (System.nanoTime), 0 before. */
    private volatile long finaliserStartedAt;

    Termination(HttpConnection connection, Object lock, ConnectionOptions options) {
        this.connection = connection;
        this.lock = lock;
        this.options = options;
    }

    /** The connection ended: these requests fail with these outcomes once the finaliser is done. Under lock. */
    void begin(List<Exchange<?>> exchanges, Throwable[] failures) {
        if (stage != Stage.LIVE) throw new IllegalStateException(connection + ": ended twice");
        stage = Stage.FINALISING;
        outcomes = new Outcomes(exchanges, failures);
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
            failOutstanding();
        });
    }

    /**
     * Called by the watchdog: if the finaliser has outlived its timeout, logs it once and hands the failures to
     * {@code delivery}. Runs no application code.
     */
    void checkOverdue(long now, Delivery delivery) {
        long started = finaliserStartedAt;
        if (started == 0 || now - started <= options.finaliserTimeout().toNanos()) return;
        synchronized (lock) {
            if (stage != Stage.FINALISING) return;
            stage = Stage.OVERDUE;
        }
        LOG.log(System.Logger.Level.WARNING, () -> "the finaliser of " + connection + " has not completed after "
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
        for (int i = 0; i < o.failures().length; i++) o.exchanges().get(i).failOn(null, o.failures()[i]);
        connection.ended();
        closed.complete(null);
    }
}
