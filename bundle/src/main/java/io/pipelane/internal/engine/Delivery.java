package io.pipelane.internal.engine;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs a connection's application-facing completions (response futures, {@code nextChange()} and
 * {@code connect()} stages, the finaliser and the failures of its ending) on the executor, in the order the
 * connection produced them, one drain task at a time: a burst of pipelined responses costs one hand-off, and a
 * response is always completed before the failures that follow it. The reader and the watchdog only enqueue.
 *
 * <h2>Lifecycle of the drain ({@link Drain})</h2>
 * <ol>
 *   <li>{@code IDLE}: nothing queued; {@link #execute} schedules a drain task ({@code SCHEDULED}).</li>
 *   <li>{@code SCHEDULED}: the drain task runs the queue in order and goes back to {@code IDLE} when it is empty.</li>
 *   <li>If one completion runs longer than {@link #STUCK_MILLIS} (application code that blocks: a dependent stage,
 *       a finaliser), {@link #checkStuck} (the watchdog) logs it once, naming it, and hands the rest of the queue
 *       to a new drain task: the stuck one stops when it returns (its generation is over).</li>
 * </ol>
 * <pre>
 *   IDLE ──execute──► SCHEDULED ──queue empty──► IDLE
 *                        └──stuck > STUCK_MILLIS──► SCHEDULED (new generation)
 * </pre>
 */
final class Delivery implements Executor {
    private static final System.Logger LOG = io.pipelane.internal.log.Logs.logger(Delivery.class);
    /** How long one completion may run before the rest of the queue goes on without it. */
    static final long STUCK_MILLIS = 1000;

    enum Drain { IDLE, SCHEDULED }

    /** A completion and what it completes (its toString is used only if it gets stuck). */
    private record Completion(Object what, Runnable action) {
    }

    private final Executor executor;
    private final Object owner;
    private final ArrayDeque<Completion> queue = new ArrayDeque<>();
    // --- guarded by this ---
    private Drain drain = Drain.IDLE;
    private int generation;
    private Completion running;
    private long runningSince;

    Delivery(Executor executor, Object owner) {
        this.executor = executor;
        this.owner = owner;
    }

    @Override
    public void execute(Runnable action) {
        submit("a callback", action);
    }

    /** Queues {@code action}, which completes {@code what}, and starts a drain task if none runs. */
    void submit(Object what, Runnable action) {
        boolean start;
        synchronized (this) {
            queue.add(new Completion(what, action));
            start = drain == Drain.IDLE;
            if (start) drain = Drain.SCHEDULED;
        }
        if (start) startDrain();
    }

    private void startDrain() {
        int gen;
        synchronized (this) {
            gen = generation;
        }
        try {
            executor.execute(() -> drain(gen));
        } catch (RejectedExecutionException e) {
            drain(gen); // the executor is shutting down: complete on this thread rather than never
        }
    }

    private void drain(int gen) {
        while (true) {
            Completion c;
            synchronized (this) {
                if (gen != generation) return; // taken over: a newer drain task runs the queue
                c = queue.poll();
                if (c == null) {
                    drain = Drain.IDLE;
                    return;
                }
                running = c;
                runningSince = System.nanoTime();
            }
            try {
                c.action().run();
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.WARNING, "an application callback of " + owner + " failed", e);
            } finally {
                synchronized (this) {
                    if (gen == generation) {
                        running = null;
                        runningSince = 0;
                    }
                }
            }
        }
    }

    /**
     * Called by the watchdog: if a completion has run longer than {@link #STUCK_MILLIS}, logs it once and lets a new
     * drain task run the rest of the queue. Runs no application code.
     */
    void checkStuck(long now) {
        Completion stuck;
        boolean restart;
        synchronized (this) {
            if (running == null || now - runningSince < STUCK_MILLIS * 1_000_000) return;
            stuck = running;
            generation++;
            running = null;
            runningSince = 0;
            restart = !queue.isEmpty();
            drain = restart ? Drain.SCHEDULED : Drain.IDLE;
        }
        LOG.log(System.Logger.Level.WARNING, () -> "application code completing " + stuck.what() + " on " + owner
                + " has blocked its thread for more than " + STUCK_MILLIS + " ms; the connection's other completions"
                + " go on without it");
        if (restart) startDrain();
    }
}
