package io.pipelane.internal.engine;

/**
 * The reader's calls into application code (a body handler's {@code open}, a body sink's {@code onData} and
 * {@code onComplete}), and how the connection's end stops them. Only the reader calls a sink (as
 * {@link io.pipelane.BodySink} promises), so when the connection ends while the reader is blocked in a sink (a
 * streamed body waiting for its reader), the end cannot tell the sink: it interrupts the reader thread instead,
 * and only while the reader is in application code. Once stopped, the reader makes no further call, except telling
 * the open sink its end ({@link Exchange#tellSinkItsEnd}).
 *
 * <h2>Lifecycle ({@link Call})</h2>
 * <ol>
 *   <li>{@code OUTSIDE}: the reader runs engine code; {@link #enter} moves to {@code INSIDE}.</li>
 *   <li>{@code INSIDE}: the reader is in application code; {@link #leave} moves back to {@code OUTSIDE} (to
 *       {@code STOPPED} if the reader itself ended the connection meanwhile).</li>
 *   <li>{@code INTERRUPTED}: the connection ended while the reader was inside ({@link #stop}): its thread was
 *       interrupted; {@link #leave} clears that interrupt and moves to {@code STOPPED}.</li>
 *   <li>{@code STOPPED}: the connection ended; {@link #enter} refuses.</li>
 * </ol>
 * <pre>
 *   OUTSIDE ──enter──► INSIDE ──leave──► OUTSIDE
 *      │                 └──stop──► INTERRUPTED ──leave──► STOPPED
 *      └──stop──────────────────────────────────────────► STOPPED
 * </pre>
 * Every transition is under this object's monitor (short: no I/O, no application code): an interrupt is delivered
 * only while the reader is inside, and cleared before it goes on, so none leaks into the executor's thread.
 */
final class ReaderCalls {
    enum Call { OUTSIDE, INSIDE, INTERRUPTED, STOPPED }

    private Call call = Call.OUTSIDE;
    private Thread reader;
    /** Whether the connection has ended: the reader checks it after each call, without the monitor. */
    private volatile boolean stopped;

    /** The reader thread starts reading; null while the connection is parked (its thread is not kept). */
    synchronized void bind(Thread thread) {
        reader = thread;
    }

    /** Before a call into application code: false when the connection has ended (then nothing is called). */
    synchronized boolean enter() {
        if (stopped || call != Call.OUTSIDE) return false;
        call = Call.INSIDE;
        return true;
    }

    /** After the call returned or threw. */
    synchronized void leave() {
        if (call == Call.INTERRUPTED) {
            Thread.interrupted(); // ours, whether or not the application code saw it
            call = Call.STOPPED;
        } else if (call == Call.INSIDE) {
            call = stopped ? Call.STOPPED : Call.OUTSIDE;
        }
    }

    /**
     * The connection has ended: the reader makes no new call, and one in progress is interrupted. Any thread; on the
     * reader itself (application code that closed the connection from a sink) nothing is interrupted.
     */
    synchronized void stop() {
        stopped = true;
        if (call == Call.INSIDE && reader != Thread.currentThread()) {
            call = Call.INTERRUPTED;
            reader.interrupt();
        } else if (call == Call.OUTSIDE) {
            call = Call.STOPPED;
        }
    }

    /** Whether the connection has ended. */
    boolean isStopped() {
        return stopped;
    }
}
