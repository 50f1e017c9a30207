package io.pipelane.internal.engine;

import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.ConnectionOptions;
import io.pipelane.PipelaneException;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The write side of a connection: what it may still write ({@link Writing}), its {@link PipelineWriter} and where
 * that runs (on the thread that made a request writable, or as a task), the steps the writer takes, the socket write
 * in progress, and why writing stopped. It decides what is written; the connection ({@link HttpConnection}) owns
 * the lifecycle, and hears from here what changes it (a request that failed alone, the output shut, a failed write).
 *
 * <h2>Lifecycle ({@link Writing})</h2>
 * <ol>
 *   <li>{@code OPEN}: the writer writes what the pipeline allows; until the transport is open, nothing.</li>
 *   <li>{@code DRAINING} ({@link #drain}, after {@code shutdown()}): the queue is written, the last request with
 *       {@code Connection: close}, then the output is shut ({@code SHUT}).</li>
 *   <li>{@code FINISHED} ({@link #finish}, a response that ends persistence; or a one-request connection's request
 *       taken): nothing more is written; the output stays open.</li>
 *   <li>{@code STOPPED} ({@link #stop}, a failed or timed-out write): nothing more is written.</li>
 * </ol>
 * <pre>
 *   OPEN ──shutdown()──► DRAINING ──queue empty──► SHUT
 *    │ ╲                    │
 *    │  ╰─last request / server closes─► FINISHED
 *    └──────────────────────┴─────────────┴──write failed / timed out──► STOPPED
 * </pre>
 * <h2>Threads</h2>
 * The writer is claimed under the lock and runs outside it, on one thread at a time: inline ({@link #start}) on the
 * thread that made a request writable, when nothing it writes can block ({@link #writableInline}): a caller of
 * {@code call} or {@code shutdown}, the reader once a read's responses are handed on, or the delivery's drain at
 * the end of its round for the requests completions made ({@link Delivery#deferWrite}); otherwise as a task on
 * the executor ({@link #handOff}), the only place a request body's {@code writeTo} runs. The watchdog only stops
 * writing after a write timeout (the output is shut by the connection, outside the lock).
 * Every field is guarded by the connection's lock ({@code writing} and {@code writer} are volatile for lock-free
 * reads only); no I/O and no application code runs under it.
 */
final class WriteSide {
    /**
     * A writer runs on a calling thread only while the requests written and not yet answered stay under this:
     * our send buffer and the peer's receive window (each at least this on common platforms) then take the write
     * at once, so the calling thread does not wait for the server to read.
     */
    static final int INLINE_WRITE_BYTES = 16 * 1024;

    /**
     * Writing stopped: the requests taken out as never sent, how {@code victim} (if not null) fails, and the
     * transport whose output is to be shut before any of them fails (after a write timeout), else null.
     */
    record Stopped(List<Exchange<?>> unsent, Exchange<?> victim, Throwable victimOutcome, Transport toShut) {
    }

    /**
     * How the outstanding requests fail when the connection ends: {@code failures}, and {@code ifNotSent} (null when
     * it concerns none) for those in the socket write in progress, should that write have sent nothing.
     */
    record Outcomes(Throwable[] failures, Throwable[] ifNotSent) {
    }

    private final HttpConnection connection;
    private final Object lock;
    private final Pipeline pipeline;
    private final Executor executor;
    private final Termination termination;

    // --- guarded by lock ---
    private volatile Writing writing = Writing.OPEN;
    private volatile PipelineWriter writer;
    private Transport transport;
    /**
     * The requests whose first bytes are in the socket write in progress (the writer's list, not changed while that
     * write runs), from {@link #markSent} until {@link #writeReturned}; else null.
     */
    private List<Exchange<?>> writeInProgress;
    /**
     * Whether the writer has taken the {@code HALF_CLOSE} step to its end (the output shut, or found unable to
     * half-close): {@code SHUT} is entered when that step is chosen, before its bytes ({@code close_notify}) are
     * sent, and the connection must not end (closing the socket) in between.
     */
    private boolean outputShut;
    /** Why writing stopped (a write error or timeout), else null: the cause of the requests it cut mid-write. */
    private Throwable stoppedBy;
    /**
     * When writing stopped on a failure (System.nanoTime), else 0: a request only partly written then has its
     * response timed from here ({@link ResponseReader#expired}).
     */
    private volatile long stoppedAt;

    WriteSide(HttpConnection connection, Object lock, Pipeline pipeline, Executor executor, Termination termination) {
        this.connection = connection;
        this.lock = lock;
        this.pipeline = pipeline;
        this.executor = executor;
        this.termination = termination;
    }

    ConnectionOptions options() {
        return connection.options;
    }

    Endpoint endpoint() {
        return connection.endpoint;
    }

    Object lock() {
        return lock;
    }

    /** The transport is open: the writer may write. Under lock. */
    void attach(Transport t) {
        transport = t;
        writer = new PipelineWriter(this, t);
    }

    /** What may still be written (a lock-free read). */
    Writing writing() {
        return writing;
    }

    private void moveTo(Writing next) {
        if (!writing.allows(next)) {
            throw new IllegalStateException(connection + ": writing cannot go from " + writing + " to " + next);
        }
        writing = next;
    }

    /** {@code shutdown()}: the queue is written, then the output shut. Under lock. */
    void drain() {
        if (writing == Writing.OPEN) moveTo(Writing.DRAINING);
    }

    /** Nothing more is written (persistence ended). Under lock. */
    void finish() {
        if (writing == Writing.OPEN || writing == Writing.DRAINING) moveTo(Writing.FINISHED);
    }

    // ------------------------------------------------------------------------------------------ running the writer

    /** Claims the writer if there is something to do, and runs it on this thread. */
    void schedule() {
        PipelineWriter w;
        synchronized (lock) {
            w = claim();
        }
        start(w);
    }

    /** The writer, if it should be started now (then claimed); else null. Under lock. */
    PipelineWriter claim() {
        PipelineWriter w = writer;
        if (w == null || connection.state().isTerminal()) return null;
        if (writable() == null && !halfCloseDue()) return null;
        return w.claim() ? w : null;
    }

    /**
     * Runs a claimed writer on this thread (a caller of {@code call} or {@code shutdown}, the reader when a read
     * freed room, or the delivery's drain after its round): it writes what cannot block ({@link #writableInline}) in one batch and hands anything
     * more to the executor.
     */
    static void start(PipelineWriter w) {
        if (w != null) w.runInline();
    }

    /** A claimed writer runs as a task on the executor (it stays claimed). */
    void handOff(PipelineWriter w) {
        if (w == null) return;
        try {
            executor.execute(w);
        } catch (RejectedExecutionException e) {
            synchronized (lock) {
                w.release();
            }
            connection.terminate(ConnectionState.FAILED,
                    new PipelaneException("the executor refused the writer task", e), null);
        }
    }

    /**
     * Called by the writer between requests: the next step. For {@link PipelineWriter.Step.Kind#WRITE} the request
     * moves to the in-flight queue. {@code justWritten} is the request the writer put wholly into its batch since
     * the last step, {@code justWrittenBytes} its size.
     */
    PipelineWriter.Step nextStep(PipelineWriter w, PipelineWriter.Mode mode, boolean haveBuffered,
                                 Exchange<?> justWritten, int justWrittenBytes) {
        if (justWritten != null) justWritten.reportWritten(justWrittenBytes);
        synchronized (lock) {
            boolean ended = connection.state().isTerminal();
            if (justWritten != null && !ended) pipeline.countBytes(justWritten, justWrittenBytes);
            if (ended || writing == Writing.STOPPED) {
                w.release();
                return PipelineWriter.Step.EXIT;
            }
            Exchange<?> e = writable();
            if (e != null && (mode == PipelineWriter.Mode.TASK
                    || (mode == PipelineWriter.Mode.INLINE && writableInline(e)))) {
                pipeline.take();
                boolean close = pipeline.oneRequestOnly()
                        || (writing == Writing.DRAINING && pipeline.waitingCount() == 0);
                if (pipeline.oneRequestOnly()) moveTo(Writing.FINISHED);
                return PipelineWriter.Step.write(e, close, pipeline.mode() == Pipeline.Mode.PIPELINED);
            }
            if (haveBuffered) return PipelineWriter.Step.FLUSH;
            if (mode != PipelineWriter.Mode.TASK && (e != null || halfCloseDue())) return PipelineWriter.Step.HAND_OFF;
            if (halfCloseDue()) {
                moveTo(Writing.SHUT);
                return PipelineWriter.Step.HALF_CLOSE;
            }
            w.release();
            return PipelineWriter.Step.EXIT;
        }
    }

    /** The next request the writer may take, or null. Under lock. */
    private Exchange<?> writable() {
        if (writing != Writing.OPEN && writing != Writing.DRAINING) return null;
        ConnectionState state = connection.state();
        if (transport == null || (state != ConnectionState.OPEN && state != ConnectionState.CLOSING)) return null;
        return pipeline.peekWritable();
    }

    /**
     * Whether {@code e} may be written on a calling thread: it has no body (no application code runs; a body's
     * {@code writeTo} runs on the writer task) and the unanswered requests stay under {@link #INLINE_WRITE_BYTES}.
     * Under lock.
     */
    private boolean writableInline(Exchange<?> e) {
        return pipeline.bytesInFlight() < INLINE_WRITE_BYTES && e.request.body().contentLength() == 0;
    }

    private boolean halfCloseDue() {
        ConnectionState state = connection.state();
        return writing == Writing.DRAINING && pipeline.waitingCount() == 0 && transport != null
                && (state == ConnectionState.CLOSING || state == ConnectionState.OPEN);
    }

    // ------------------------------------------------------------------------------------------ the writer's reports

    /**
     * The writer is about to hand these requests' bytes to the socket: from now on they count as sent, unless that
     * write finds the transport closed before it began ({@link #writeReturned}). Returns false, and marks nothing,
     * when the connection has ended or has ended one of them: it was failed as never sent (e.g. by
     * {@code close()} racing with the write), so its bytes must not reach the socket.
     */
    boolean markSent(List<Exchange<?>> exchanges) {
        synchronized (lock) {
            if (connection.state().isTerminal()) return false;
            for (Exchange<?> e : exchanges) {
                if (e.stage() == Exchange.Stage.ENDED) return false;
            }
            for (Exchange<?> e : exchanges) {
                if (e.stage() == Exchange.Stage.TAKEN) e.to(Exchange.Stage.SENT);
            }
            writeInProgress = exchanges;
            return true;
        }
    }

    /**
     * The socket write announced by {@link #markSent} has returned; {@code sentNothing}: the transport was closed
     * before it began (the connection ended meanwhile). If the connection ended during the write, this settles its
     * requests' outcomes: sent (possibly processed) or not sent.
     */
    void writeReturned(boolean sentNothing) {
        boolean endedDuringWrite;
        synchronized (lock) {
            endedDuringWrite = writeInProgress != null && connection.state().isTerminal();
            writeInProgress = null;
        }
        if (endedDuringWrite) termination.writeResolved(sentNothing);
    }

    /** A request could not be written and none of its bytes were: it fails alone, the connection goes on. */
    void notWritten(Exchange<?> e, PipelaneException cause) {
        connection.failedAlone(e, cause);
    }

    /** Nothing more will be written after shutdown(); {@code halfClosed}: the write side was really shut. */
    void outputShutDown(boolean halfClosed) {
        synchronized (lock) {
            outputShut = true;
        }
        connection.outputShutDown(halfClosed);
    }

    /**
     * Whether everything has been written that will be: nothing more may be ({@code FINISHED}), or the output was
     * shut after {@code shutdown()} ({@code SHUT}, once that step has run to its end). Under lock.
     */
    boolean wroteAll() {
        return writing == Writing.FINISHED || writing == Writing.SHUT && outputShut;
    }

    /** Writing failed (the transport, or {@code victim}'s own body): see {@link HttpConnection#writingFailed}. */
    void writingFailed(Throwable cause, Exchange<?> victim) {
        connection.writingFailed(cause, victim);
    }

    // ------------------------------------------------------------------------------------------ stopping and ending

    /**
     * Stops writing, once: takes out the requests never sent; {@code victim} fails with {@code cause} itself (its own
     * body failed) or, after a write timeout ({@code timedOut}), as {@link Failures#classify} says (not when its
     * response has begun), the output being shut first ({@link Transport#abortOutput}: the blocked write fails, and
     * none of its bytes go out once its caller has learned its fate). Null if writing had stopped already. Under
     * lock, the connection not ended.
     */
    Stopped stop(Throwable cause, Exchange<?> victim, boolean timedOut) {
        if (writing == Writing.STOPPED) return null;
        moveTo(Writing.STOPPED);
        stoppedAt = System.nanoTime();
        stoppedBy = cause;
        Throwable victimOutcome = cause;
        if (victim != null && timedOut) {
            // a response that has begun (an early answer) is read to its end like the others
            if (victim.stage().hasHead() || victim.stage() == Exchange.Stage.ENDED) victim = null;
            else victimOutcome = Failures.classify(victim, cause);
        }
        return new Stopped(pipeline.takeUnsent(victim), victim, victimOutcome, timedOut ? transport : null);
    }

    /**
     * How each of {@code outstanding} fails as the connection ends with {@code cause} ({@code victim} with the
     * cause itself): a request whose write was cut by the failure that stopped writing fails because of that
     * failure, and those of the socket write in progress count as sent unless it finds the transport closed.
     * Under lock, before the requests move to ENDED.
     */
    Outcomes classify(List<Exchange<?>> outstanding, Exchange<?> victim, Throwable cause) {
        Throwable[] failures = new Throwable[outstanding.size()];
        Throwable[] ifNotSent = null;
        for (int i = 0; i < failures.length; i++) {
            Exchange<?> e = outstanding.get(i);
            boolean sent = e.stage() == Exchange.Stage.SENT;
            Throwable why = stoppedBy != null && e.writtenAt == 0 && sent ? stoppedBy : cause;
            failures[i] = e == victim ? cause : Failures.classify(e, why);
            if (e != victim && sent && writeInProgress != null && writeInProgress.contains(e)) {
                if (ifNotSent == null) ifNotSent = new Throwable[failures.length];
                ifNotSent[i] = Failures.notSent(e, why);
            }
        }
        return new Outcomes(failures, ifNotSent);
    }

    /** When writing stopped on a failure (System.nanoTime), 0 while it has not. */
    long stoppedAt() {
        return stoppedAt;
    }

    // ------------------------------------------------------------------------------------------ the watchdog's side

    /** Called by the watchdog: the write timeout that has passed, or null. */
    Expiry expired(long now) {
        PipelineWriter w = writer;
        return w == null || writing == Writing.STOPPED ? null : w.expired(now);
    }

    /** Lets the batch array go if the writer is not running (an idle connection). Under lock. */
    void releaseIdleBuffer() {
        PipelineWriter w = writer;
        if (w != null && w.isIdle()) w.releaseBuffer(); // no writer can be claimed while we hold the lock
    }

    /** Bytes of the batch array, for tests. Under lock. */
    int bufferBytes() {
        // the writer's array is touched only by a claimed writer, and none can be claimed while we hold the lock
        PipelineWriter w = writer;
        return w == null || !w.isIdle() ? 0 : w.bufferBytes();
    }

    /** Socket write calls and bytes so far. */
    long[] stats() {
        PipelineWriter w = writer;
        return w == null ? new long[] {0, 0} : new long[] {w.writeCalls(), w.bytesWritten()};
    }
}
