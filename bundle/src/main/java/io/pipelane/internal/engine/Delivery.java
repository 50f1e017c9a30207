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
 * <p>Requests made by the completions it runs (a sliding window: each response's callback issues the next request)
 * are not written one by one: {@code call} on the drain's own thread only queues the request and
 * {@link #deferWrite defers} the write, and the drain runs the connection's writer once at the end of each round
 * (the completions queued when the round began), so they go out in one socket write, on this thread, without a
 * writer task.
 *
 * <p>The reader {@link #hold holds} the start of a drain task while it hands on the responses of one read, and
 * {@link #release releases} it after: the drain then starts once per read and completes the read's responses in
 * one round (one hand-off, and the requests their callbacks make in one write). At the end of a read the reader
 * takes that drain itself ({@link #releaseToHere}): it hands its reading on to a new task and runs the drain on its
 * own thread, which is awake already, so a response's completion never waits for a thread to wake. The reader holds only while it runs
 * its own code and {@code BodyHandlers}' buffering sinks, none of which waits for the application: it releases
 * before it calls any other body handler or sink (application code, which might wait for a completion held
 * here), and a streamed response, whose body the application reads while the reader goes on, is handed on at once
 * ({@link #submitNow}).
 *
 * <h2>Lifecycle of the drain ({@link Drain})</h2>
 * <ol>
 *   <li>{@code IDLE}: nothing queued; {@link #execute} schedules a drain task ({@code SCHEDULED}); a completion the
 *       reader queues while it holds makes it {@code HELD} instead.</li>
 *   <li>{@code HELD}: a drain task is due and starts ({@code SCHEDULED}) when the reader releases its hold or
 *       another thread queues a completion.</li>
 *   <li>{@code SCHEDULED}: the drain task runs the queue in rounds, in order, writes what the round's completions
 *       requested after each round, and goes back to {@code IDLE} when the queue is empty and nothing is left to
 *       write.</li>
 *   <li>If one completion runs longer than {@link #STUCK_MILLIS} (application code that blocks: a dependent stage,
 *       a finaliser, a caller waiting for the response to a request it just made), {@link #checkStuck} (the
 *       watchdog) logs it once, naming it, and hands the rest of the queue and the deferred writes to a new drain
 *       task: the stuck one stops when it returns (its generation is over).</li>
 * </ol>
 * <pre>
 *   IDLE ──execute──► SCHEDULED ──queue empty, nothing to write──► IDLE
 *    └──by the holding reader──► HELD ──release / another thread──► SCHEDULED
 *                                 SCHEDULED ──stuck > STUCK_MILLIS──► SCHEDULED (new generation)
 * </pre>
 */
final class Delivery implements Executor {
    private static final System.Logger LOG = io.pipelane.internal.log.Logs.logger(Delivery.class);
    /** How long one completion may run before the rest of the queue goes on without it. */
    static final long STUCK_MILLIS = 1000;

    enum Drain { IDLE, HELD, SCHEDULED }

    /**
     * What the drain runs: a completion of application-facing stages. Its {@code toString} names what it completes
     * (used only if it gets stuck). An exchange is its own completion for its response, so that a response costs
     * no allocation here.
     */
    interface Completion {
        void complete();
    }

    /** A completion given as an action and what it completes. */
    private record Action(Object what, Runnable action) implements Completion {
        @Override
        public void complete() {
            action.run();
        }

        @Override
        public String toString() {
            return String.valueOf(what);
        }
    }

    private final Executor executor;
    private final Object owner;
    /** Writes what the completions requested (the connection's writer, started on this thread). */
    private final Runnable writeDeferred;
    private final ArrayDeque<Completion> queue = new ArrayDeque<>();
    // --- guarded by this ---
    private Drain drain = Drain.IDLE;
    private int generation;
    private Completion running;
    private long runningSince;
    /** A completion of this drain made a request whose write waits for the end of the round. */
    private boolean writesDeferred;
    /** The thread of the current generation's drain task while it runs, else null; volatile for lock-free reads. */
    private volatile Thread drainer;
    /** The reader while it hands on the responses of one read ({@link #hold}), else null. */
    private Thread holder;

    /**
     * @param writeDeferred run by the drain, on its thread, after a round whose completions made requests: writes
     *                      them (it must not block on application code)
     */
    Delivery(Executor executor, Object owner, Runnable writeDeferred) {
        this.executor = executor;
        this.owner = owner;
        this.writeDeferred = writeDeferred;
    }

    @Override
    public void execute(Runnable action) {
        submit("a callback", action);
    }

    /** Queues {@code action}, which completes {@code what}, and starts a drain task if none runs. */
    void submit(Object what, Runnable action) {
        submit(new Action(what, action));
    }

    /**
     * Queues {@code c} and starts a drain task if none runs; on the reader while it holds, the start waits for the
     * end of its read ({@link #release}).
     */
    void submit(Completion c) {
        submit(c, false);
    }

    /** Queues {@code c} and starts a drain task if none runs, even on the holding reader (a streamed response). */
    void submitNow(Completion c) {
        submit(c, true);
    }

    private void submit(Completion c, boolean now) {
        boolean start = false;
        synchronized (this) {
            queue.add(c);
            boolean held = !now && holder == Thread.currentThread();
            if (drain == Drain.IDLE && held) {
                drain = Drain.HELD;
            } else if (drain == Drain.IDLE || (drain == Drain.HELD && !held)) {
                drain = Drain.SCHEDULED;
                start = true;
            }
        }
        if (start) startDrain();
    }

    /**
     * Called by the reader before it hands on the responses of one read: the drain task their completions would
     * start waits for {@link #release}, so that it starts once and completes them in one round. The reader must
     * release before it runs code that may wait for the application.
     */
    void hold() {
        synchronized (this) {
            holder = Thread.currentThread();
        }
    }

    /**
     * Called by the reader before it calls application code, or when a read ends otherwise than normally
     * ({@code finally}): starts the drain its completions made due, as a task.
     */
    void release() {
        boolean start;
        synchronized (this) {
            holder = null;
            start = drain == Drain.HELD;
            if (start) drain = Drain.SCHEDULED;
        }
        if (start) startDrain();
    }

    /**
     * Called by the reader at the end of a read, instead of {@link #release}: ends the hold and, if the read's
     * completions made a drain due, gives it to the calling thread rather than to a new task. Returns the drain's
     * generation, for {@link #drainHere}, or -1 when none is due (none was queued, or a drain runs already and takes
     * them in its next round). The reader then hands its reading on to a new task and runs the drain itself: the
     * completions do not wait for a thread to wake, only the next read does, which waits for the server anyway.
     */
    int releaseToHere() {
        synchronized (this) {
            holder = null;
            if (drain != Drain.HELD) return -1;
            drain = Drain.SCHEDULED;
            return generation;
        }
    }

    /** Runs the drain {@link #releaseToHere} gave this thread. */
    void drainHere(int gen) {
        drain(gen);
    }

    /** Whether no drain task is due or running (for tests). */
    synchronized boolean isIdle() {
        return drain == Drain.IDLE;
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

    /**
     * Whether the calling thread is this delivery's drain, running a completion: a request made now may
     * {@link #deferWrite defer} its write. A lock-free guess, confirmed by {@link #deferWrite}.
     */
    boolean isDrainingHere() {
        return drainer == Thread.currentThread();
    }

    /**
     * Called by {@code call} on the drain's thread once the request is queued: the drain writes it at the end of its
     * round. False if this thread no longer drains (the watchdog took over meanwhile): then the caller writes.
     */
    synchronized boolean deferWrite() {
        if (drainer != Thread.currentThread()) return false;
        writesDeferred = true;
        return true;
    }

    private void drain(int gen) {
        synchronized (this) {
            if (gen != generation) return;
            drainer = Thread.currentThread();
        }
        int round = 0; // completions left in this round
        while (true) {
            Completion c;
            synchronized (this) {
                if (gen != generation) return; // taken over: a newer drain task runs the queue
                if (round == 0 && writesDeferred) {
                    writesDeferred = false;
                    c = null;
                } else {
                    if (round == 0) round = queue.size();
                    c = queue.poll();
                    if (c == null) {
                        drain = Drain.IDLE;
                        drainer = null;
                        return;
                    }
                    round--;
                    running = c;
                    runningSince = System.nanoTime();
                }
            }
            if (c == null) {
                writeDeferred(); // the end of a round: what its completions requested goes out in one write
                continue;
            }
            try {
                c.complete();
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

    private void writeDeferred() {
        try {
            writeDeferred.run();
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.WARNING, "writing the requests made by completions on " + owner + " failed", e);
        }
    }

    /**
     * Called by the watchdog: if a completion has run longer than {@link #STUCK_MILLIS}, logs it once and lets a new
     * drain task run the rest of the queue and write what was deferred. Runs no application code.
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
            drainer = null;
            restart = !queue.isEmpty() || writesDeferred;
            drain = restart ? Drain.SCHEDULED : Drain.IDLE;
        }
        LOG.log(System.Logger.Level.WARNING, () -> "application code completing " + stuck + " on " + owner
                + " has blocked its thread for more than " + STUCK_MILLIS + " ms; the connection's other completions"
                + " go on without it");
        if (restart) startDrain();
    }
}
