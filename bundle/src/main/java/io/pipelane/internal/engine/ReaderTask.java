package io.pipelane.internal.engine;

import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionState;
import io.pipelane.PipelaneException;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.PipelaneTimeoutException.Phase;
import io.pipelane.ResponseHead;
import io.pipelane.ConnectionEvent.CloseReason;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The reader task of a connection: it connects, then runs the {@link ResponseReader} until the input ends, hands
 * the reading on to a new task when a read's completions are due, parks the reader of an idle TCP connection in
 * the {@link IdleSelector} and starts it again when the connection resumes, and tells the connection how the
 * reader ended. It owns the reader, its {@link IdleParking} and whether the executor refused a reader task; the
 * connection owns its state and ends it ({@link HttpConnection#terminate}).
 *
 * <h2>Lifecycle</h2>
 * <ol>
 *   <li>Connecting ({@link #connectAndRead}): the transport opens through the factory's {@link Connector}; the
 *       connection attaches it ({@link HttpConnection#opened}), which makes the reader ({@link #attach}).</li>
 *   <li>Reading ({@link #readOn}): one task at a time runs the reader. When a read's completions are due
 *       ({@link ResponseReader.End#DRAIN_DUE}) a new task reads on and this one, no longer the reader, runs them;
 *       if the executor refuses the new task, this thread reads on, and from then on the reader never parks.</li>
 *   <li>Parked ({@link ResponseReader.End#PARKED}, TCP only, after {@link IdleParking#GRACE_MILLIS} with nothing
 *       expected): the task ends; the selector thread starts a new one ({@link #resumeReading}) when the socket
 *       becomes readable or a write is about to begin.</li>
 *   <li>Ended: the input ended, the server's last response is complete, reading failed, or the connection was
 *       ended from inside the reader; the connection ends accordingly ({@link #ended}, {@link #readFailed}), and a
 *       sink still open hears its end on the reader thread, which owns it.</li>
 * </ol>
 *
 * <h2>Threads</h2>
 * Connecting and reading run on the executor, one reader task at a time, each task handing the reader to the next
 * through the executor; {@link #resumeReading} and {@link #idleSelectorFailed} run on the idle selector's thread;
 * {@link #attach} runs under the connection's lock; the accessors are read from any thread (the fields are
 * volatile).
 */
final class ReaderTask {
    /** The connection's logger: what the reader task logs is the connection's. */
    private static final System.Logger LOG = io.pipelane.internal.log.Logs.logger(HttpConnection.class);

    private final HttpConnection connection;
    private final Executor executor;
    private final Delivery delivery;
    private final Connector connector;
    /** Where the reader of an idle TCP connection parks; null: it never parks (tests' in-memory transports). */
    private final IdleSelector idleSelector;
    /** Set under the connection's lock once the transport is open; read by the connection's ending. */
    private volatile ResponseReader reader;
    /** The reader's idle wait in the selector, once open, if the transport can park; else null. */
    private volatile IdleParking parking;
    /** Whether the executor refused a reader task: the reader then keeps its thread (never parks). */
    private volatile boolean executorRefused;

    ReaderTask(HttpConnection connection, Executor executor, Delivery delivery, Connector connector,
               IdleSelector idleSelector) {
        this.connection = connection;
        this.executor = executor;
        this.delivery = delivery;
        this.connector = connector;
        this.idleSelector = idleSelector;
    }

    // ------------------------------------------------------------------------------------------ connecting

    /** The first reader task: opens the transport, then reads. */
    void connectAndRead() {
        Transport t;
        try {
            t = connector.open(connection.endpoint, connection.options, connection);
        } catch (Throwable e) {
            connection.terminate(ConnectionState.FAILED, e, null);
            return;
        }
        if (connection.opened(t)) readOn(reader);
    }

    /**
     * The transport is open and the connection has not ended: makes the reader and, when the transport can park,
     * its parking, which gates the transport's writes (before the first write). Under the connection's lock.
     */
    void attach(Transport t) {
        reader = new ResponseReader(connection, t, this);
        if (idleSelector != null && t.parkableChannel() != null) {
            IdleParking p = new IdleParking(t.parkableChannel(), idleSelector, this::resumeReading,
                    this::idleSelectorFailed);
            t.gateWrites(p); // before the first write
            parking = p;
        }
    }

    // ------------------------------------------------------------------------------------------ reading

    /**
     * The reader task: reads until the input ends; when a read's completions are due, hands the reading on to a new
     * task and runs them on this thread ({@link ResponseReader.End#DRAIN_DUE}), so they do not wait for a thread to
     * wake. One task reads at a time: the next starts only once this one has stopped reading. When the reader parks
     * ({@link ResponseReader.End#PARKED}, {@link IdleParking}) the task ends, and {@link #resumeReading} starts a new
     * one when the connection resumes.
     */
    private void readOn(ResponseReader r) {
        boolean handedOn = false;
        try {
            while (true) {
                ResponseReader.End end;
                try {
                    end = r.run();
                } catch (Throwable e) {
                    readFailed(e, r.victim(e));
                    return;
                }
                if (end == ResponseReader.End.PARKED) {
                    handedOn = true; // another reader task may run already: nothing more of the connection's here
                    return;
                }
                if (end != ResponseReader.End.DRAIN_DUE) {
                    ended(r, end);
                    return;
                }
                int drain = r.drainDue();
                handedOn = readOnElsewhere(r);
                connection.readDispatched(); // what the read let through is written before the completions run
                delivery.drainHere(drain);
                if (handedOn) return;
            }
        } finally {
            if (!handedOn) {
                // The connection has ended: a sink still open hears it here, on the reader thread, which owns it.
                r.endOpenSink(connection.failure());
            }
        }
    }

    /** A new task reads on; false if the executor refused it (it is shutting down): this thread reads on. */
    private boolean readOnElsewhere(ResponseReader r) {
        try {
            executor.execute(() -> readOn(r));
            return true;
        } catch (RejectedExecutionException e) {
            executorRefused = true; // the reader keeps this thread: it does not park, which would need a new task
            return false;
        }
    }

    // ------------------------------------------------------------------------------------------ parking

    /** Whether the reader may park when idle (its transport can). */
    boolean mayPark() {
        return parking != null;
    }

    /**
     * On the reader thread, after a grace read timed out: parks the reader if the connection is open and idle (the
     * writer's batch array goes too, {@link HttpConnection#idleForParking}). Returns whether it parked: then the
     * reader task ends at once.
     */
    boolean park() {
        IdleParking p = parking;
        if (p == null || executorRefused) return false;
        if (!connection.idleForParking()) return false;
        return p.park();
    }

    /**
     * On the idle selector's thread: the parked connection's channel is readable, or a write waits; the channel is
     * in blocking mode again. The reader task starts again on the executor.
     */
    private void resumeReading() {
        ResponseReader r = reader;
        try {
            executor.execute(() -> readOn(r));
        } catch (RejectedExecutionException e) {
            connection.terminate(ConnectionState.FAILED,
                    new PipelaneException("the executor refused the connection's reader task", e), null);
        }
    }

    /** The idle selector failed while this connection was parked: nothing watches the server any more. */
    private void idleSelectorFailed(IOException cause) {
        connection.terminate(ConnectionState.FAILED,
                new PipelaneException("the selector of idle connections failed: " + cause, cause), null);
    }

    /** The connection has ended: a parked channel is released by the selector (after the transport closed). */
    void closeParking() {
        IdleParking p = parking;
        if (p != null) p.close();
    }

    /** Whether the reader is parked in the idle selector, for tests. */
    boolean isParked() {
        IdleParking p = parking;
        return p != null && p.state() == IdleParking.Parked.PARKED;
    }

    /** Waits (bounded) until the reader is parked, for tests; returns whether it is. */
    boolean awaitParked(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
        IdleParking p = parking;
        return p != null && p.awaitParked(timeout, unit);
    }

    // ------------------------------------------------------------------------------------------ the reader's end

    /** How the reader ended, other than with a failure: what the connection does next. */
    private void ended(ResponseReader r, ResponseReader.End end) {
        switch (end) {
            case LAST_RESPONSE:
                serverClosedAfterResponse(r.lastHead());
                break;
            case INPUT_ENDED:
                connection.inputEnded();
                break;
            default:
                break; // ended from inside the reader
        }
    }

    private void serverClosedAfterResponse(ResponseHead head) {
        connection.terminate(ConnectionState.CLOSED, new ConnectionClosedException("the server closed the connection"
                + " after a " + head.status() + " response" + (head.headers().containsToken("Connection", "close")
                ? " with Connection: close" : " that did not keep the connection alive")), null,
                CloseReason.COMPLETED);
    }

    /** Reading failed (I/O error, malformed or cut-short response, a body sink gave up): the connection ends. */
    private void readFailed(Throwable cause, Exchange<?> victim) {
        if (cause instanceof PipelaneTimeoutException
                && ((PipelaneTimeoutException) cause).phase() == Phase.BODY_READ) {
            LOG.log(System.Logger.Level.WARNING, () -> "the streamed response body of " + victim + " on "
                    + connection + " was not read for " + connection.options.bodyReadTimeout().toMillis()
                    + " ms: closing the connection; read or close response body streams");
        }
        connection.terminate(ConnectionState.FAILED, cause, victim);
    }

    /** The reader, once the transport is open; null before (or if it never opened). */
    ResponseReader reader() {
        return reader;
    }
}
