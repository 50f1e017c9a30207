package io.pipelane.internal.engine;

import io.pipelane.ConnectionOptions;
import io.pipelane.Persistence;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The two queues of a connection and the rules for writing ahead: {@code waiting} (accepted, not yet taken by
 * the writer) and {@code inFlight} (taken by the writer, response not complete), the bytes in flight and the
 * non-idempotent gate. A plain data structure: every method is called under the connection's lock.
 *
 * <h2>Lifecycle of the pipelining {@link Mode}</h2>
 * <ol>
 *   <li>{@code UNDECIDED} (Persistence.AUTO): one request at a time until the first final response head.</li>
 *   <li>That head decides: {@code PIPELINED} for a persistent HTTP/1.1 response, else {@code SEQUENTIAL}.</li>
 * </ol>
 * <pre>
 *   UNDECIDED ──first head──► PIPELINED | SEQUENTIAL        (Persistence.TRUE starts PIPELINED, FALSE SEQUENTIAL)
 * </pre>
 */
final class Pipeline {
    /** Whether requests may be written before the responses ahead of them. */
    enum Mode {
        /** Persistence.AUTO before the first final response: one request at a time. */
        UNDECIDED,
        /** Requests are written ahead of responses, within the limits. */
        PIPELINED,
        /** One request at a time (an HTTP/1.0 or non-persistent server, or Persistence.FALSE). */
        SEQUENTIAL
    }

    private final ConnectionOptions options;
    private final ArrayDeque<Exchange<?>> waiting = new ArrayDeque<>();
    private final ArrayDeque<Exchange<?>> inFlight = new ArrayDeque<>();
    private Mode mode;
    private long bytesInFlight;
    /** A request that is not idempotent, sent, whose final head has not arrived: nothing is written behind it. */
    private Exchange<?> gate;

    Pipeline(ConnectionOptions options) {
        this.options = options;
        switch (options.persistence()) {
            case TRUE:
                mode = Mode.PIPELINED;
                break;
            case FALSE:
                mode = Mode.SEQUENTIAL;
                break;
            default:
                mode = Mode.UNDECIDED;
        }
    }

    Mode mode() {
        return mode;
    }

    /** The first final head decides how the rest is written (only under Persistence.AUTO). */
    void decide(boolean pipelining) {
        if (mode == Mode.UNDECIDED) mode = pipelining ? Mode.PIPELINED : Mode.SEQUENTIAL;
    }

    void add(Exchange<?> e) {
        waiting.add(e);
    }

    int waitingCount() {
        return waiting.size();
    }

    /** Request bytes written and not yet answered. */
    long bytesInFlight() {
        return bytesInFlight;
    }

    int inFlightCount() {
        return inFlight.size();
    }

    /** The request the writer may take now, or null (empty, or the pipeline has no room). */
    Exchange<?> peekWritable() {
        Exchange<?> e = waiting.peek();
        if (e == null || inFlight.isEmpty()) return e;
        if (mode != Mode.PIPELINED) return null;
        if (inFlight.size() >= options.maxPipelineDepth()) return null;
        if (bytesInFlight >= options.maxBytesInFlight()) return null;
        if (gate != null && !options.pipelineAfterNonIdempotent()) return null;
        return e;
    }

    /** Moves the next waiting request to the in-flight queue (after {@link #peekWritable}). */
    Exchange<?> take() {
        Exchange<?> e = waiting.poll();
        e.to(Exchange.Stage.TAKEN);
        inFlight.add(e);
        if (!e.request.isIdempotent()) gate = e;
        return e;
    }

    /** The exchange whose response comes next, or null. */
    Exchange<?> current() {
        return inFlight.peek();
    }

    /** A request is wholly in the writer's batch: its bytes count towards maxBytesInFlight until its response ends. */
    void countBytes(Exchange<?> e, int bytes) {
        // A response may complete before its request is fully written (an early answer): then its bytes are no
        // longer in flight.
        if (e.stage() != Exchange.Stage.ENDED) {
            e.wireBytes = bytes;
            bytesInFlight += bytes;
        }
    }

    /** The final head of {@code e}'s response arrived: the server is done deciding about it. */
    void headArrived(Exchange<?> e) {
        if (gate == e) gate = null;
    }

    /**
     * Marks the requests taken behind {@code e} (whose response carries Connection: close) as unprocessed: those
     * sent, and those still in the writer's batch, which may reach the socket before the writer stops.
     */
    void markUnprocessedBehind(Exchange<?> e) {
        boolean behind = false;
        for (Exchange<?> x : inFlight) {
            if (behind && (x.stage() == Exchange.Stage.SENT || x.stage() == Exchange.Stage.TAKEN)) {
                x.to(Exchange.Stage.UNPROCESSED);
            }
            if (x == e) behind = true;
        }
    }

    /** Removes the completed head of the in-flight queue; false if {@code e} is not it (the connection ended). */
    boolean completeCurrent(Exchange<?> e) {
        if (inFlight.peek() != e) return false;
        inFlight.poll();
        e.to(Exchange.Stage.ENDED);
        bytesInFlight -= e.wireBytes;
        if (gate == e) gate = null;
        return true;
    }

    /** Removes an in-flight request that failed on its own; false if it was no longer there. */
    boolean remove(Exchange<?> e) {
        if (!inFlight.removeLastOccurrence(e)) return false;
        bytesInFlight -= e.wireBytes;
        if (gate == e) gate = null;
        e.to(Exchange.Stage.ENDED);
        return true;
    }

    /**
     * Writing stopped: takes out every request that will never be sent (the waiting ones, and those the writer
     * took whose bytes never reached the socket, always at the tail of the in-flight queue) and {@code victim},
     * whose own body failed. Each is moved to ENDED.
     */
    List<Exchange<?>> takeUnsent(Exchange<?> victim) {
        List<Exchange<?>> out = new ArrayList<>(waiting);
        waiting.clear();
        while (!inFlight.isEmpty() && (inFlight.peekLast().stage() == Exchange.Stage.TAKEN || inFlight.peekLast() == victim)) {
            Exchange<?> e = inFlight.pollLast();
            bytesInFlight -= e.wireBytes;
            if (gate == e) gate = null;
            out.add(e);
        }
        for (Exchange<?> e : out) e.to(Exchange.Stage.ENDED);
        return out;
    }

    /** Takes everything out, in-flight first (the connection ended). Stages are left as they were, for classification. */
    List<Exchange<?>> takeAll() {
        List<Exchange<?>> out = new ArrayList<>(inFlight.size() + waiting.size());
        out.addAll(inFlight);
        out.addAll(waiting);
        inFlight.clear();
        waiting.clear();
        bytesInFlight = 0;
        gate = null;
        return out;
    }

    /** Whether a request written now would be the last (Persistence.FALSE sends one request). */
    boolean oneRequestOnly() {
        return options.persistence() == Persistence.FALSE;
    }
}
