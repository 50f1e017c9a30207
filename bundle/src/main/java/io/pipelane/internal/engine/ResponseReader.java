package io.pipelane.internal.engine;

import io.pipelane.BodySink;
import io.pipelane.ConnectionOptions;
import io.pipelane.Headers;
import io.pipelane.LimitExceededException;
import io.pipelane.MalformedResponseException;
import io.pipelane.PipelaneException;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.PipelaneTimeoutException.Phase;
import io.pipelane.ResponseHead;
import io.pipelane.internal.codec.BodyFraming;
import io.pipelane.internal.codec.ParserLimits;
import io.pipelane.internal.codec.ResponseParser;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/**
 * The reader loop of a connection: reads the socket eagerly into one buffer, feeds the {@link ResponseParser},
 * and delivers each response to the exchange at the head of the in-flight queue, strictly in order. Runs on the
 * connection's reader task ({@link ReaderTask}) until the input ends or fails, then reports how it ended
 * ({@link #run} returns); or, over TCP, until the connection has been idle for {@link IdleParking#GRACE_MILLIS}:
 * then it parks ({@link End#PARKED}, its buffers released) and runs again, on a new task, when the connection
 * resumes.
 *
 * <h2>Lifecycle ({@link Reading})</h2>
 * <ol>
 *   <li>{@code IDLE}: between responses (or before the first).</li>
 *   <li>{@code HEAD}: bytes of a response head have arrived, the head is not complete.</li>
 *   <li>{@code BODY}: the final head is complete; the body goes to the exchange's sink.</li>
 *   <li>Back to {@code IDLE} when the response is complete, or {@code ENDED} when the input ends or fails.</li>
 * </ol>
 * <pre>
 *   IDLE ──byte──► HEAD ──final head──► BODY ──complete──► IDLE
 *     └──────────────┴───────────────────┴──end of input / error──► ENDED
 * </pre>
 * Its fields are confined to the reader thread, except {@code reading}, which the watchdog reads through
 * {@link #expired}; the read timeouts' time stamps and counts are {@link ReadDeadlines}', its buffers are
 * {@link ReadBuffers}, and its calls into application code (handlers, sinks) go through {@link ReaderCalls}. After
 * each read it has handed on, the connection writes what that read made writable
 * ({@link HttpConnection#readDispatched}). The completions of one read's responses start one drain, after the read
 * ({@link DeliveryHold}, {@link Delivery#hold}): run by this thread, once a new task reads on
 * ({@link End#DRAIN_DUE}), so the reader moves from thread to thread, one at a time, each task handing its state
 * to the next through the executor.
 *
 * <p>Large bodies: the bytes of a body of known length still to come (the rest of a {@code Content-Length} body or
 * of a chunk) are read straight into the sink when it is a {@link DirectReadSink} (the buffering
 * {@code BodyHandlers}) and they are at least {@link #DIRECT_READ_MIN_BYTES}, or belong to a body declared that
 * long: not into the buffer and then again into the sink. After a large body the next head is read with at most
 * {@link #HEAD_READ_AFTER_LARGE_BODY_BYTES}, so that when the next body is large too, most of it is read straight
 * into its sink rather than with its head.
 */
final class ResponseReader implements ResponseParser.Listener {
    enum Reading { IDLE, HEAD, BODY, ENDED }

    /** How the reader ended: what the connection does next. */
    enum End {
        /** The input ended with no response in progress. */
        INPUT_ENDED,
        /** The server's last response (it closes after it) is complete; anything after it is ignored (RFC 9112 §9.6). */
        LAST_RESPONSE,
        /** The connection was ended from inside the reader (an unsolicited response, or terminated meanwhile). */
        ENDED,
        /**
         * A read's responses are handed on and their drain is due ({@link #drainDue}): the connection hands the
         * reading on to a new task, which calls {@link #run} again, and runs the drain on this thread.
         */
        DRAIN_DUE,
        /** The connection is idle and parked ({@link IdleParking}): the reader task ends, to start again on resume. */
        PARKED
    }

    /**
     * The shortest run of body bytes read straight into a {@link DirectReadSink}: below it, one read into the buffer
     * that also takes what follows (the next responses' heads) costs less than a read of its own.
     */
    static final int DIRECT_READ_MIN_BYTES = 32 * 1024;
    /**
     * The most read into the buffer for a head that follows a large body (at least {@link #DIRECT_READ_MIN_BYTES}):
     * the head and the start of its body, not most of that body if it is large too (it would be copied from the
     * buffer into its sink; read straight into the sink, it is not).
     */
    static final int HEAD_READ_AFTER_LARGE_BODY_BYTES = 4 * 1024;

    private final HttpConnection connection;
    /** The reader task that runs this reader: it parks the reader when the connection is idle. */
    private final ReaderTask task;
    private final Transport transport;
    /** The transport as a {@link DirectReadSink.Source}, made once. */
    private final DirectReadSink.Source source;
    private final ConnectionOptions options;
    private final ResponseParser parser;
    private final ReadBuffers buffers = new ReadBuffers();
    /** The view of the array the current read went into. */
    private ByteBuffer readView;

    private volatile Reading reading = Reading.IDLE;
    /** The read timeouts' time stamps and counts, which the watchdog reads. */
    private final ReadDeadlines deadlines;
    /** The exchange whose response is being parsed; null between responses and for an unsolicited one. */
    private Exchange<?> current;
    /** The head of the server's last response (it closes after it), else null. */
    private ResponseHead lastHead;
    /** The exchange whose handler or sink failed: the rest of its body is read and dropped. */
    private Exchange<?> discarding;
    /** The exchange whose sink was opened last: told its end when the reader stops, unless it was told already. */
    private Exchange<?> opened;
    /** The calls into application code, and their stop when the connection ends. */
    private final ReaderCalls calls = new ReaderCalls();
    /**
     * Whether the current response declares a large body (at least {@link #DIRECT_READ_MIN_BYTES}): all of it that
     * does not come with its head is read straight into its sink, however short the last read of it.
     */
    private boolean largeBody;
    /** Whether the last response's body was large: reads for the next head are short. */
    private boolean lastBodyLarge;
    /** The drain the last read made due, after {@link End#DRAIN_DUE}. */
    private int drainDue;
    /** The hold of the delivery's drain for the read being handed on, released before application code. */
    private final DeliveryHold hold;

    ResponseReader(HttpConnection connection, Transport transport, ReaderTask task) {
        this.connection = connection;
        this.task = task;
        this.transport = transport;
        this.source = transport::read;
        this.options = connection.options;
        this.parser = new ResponseParser(ParserLimits.of(options));
        this.deadlines = new ReadDeadlines(connection);
        this.hold = new DeliveryHold(connection.delivery());
    }

    /**
     * Reads until the input ends, or until a read's completions are due ({@link End#DRAIN_DUE}: the connection then
     * calls it again on another thread). Returns how it ended; throws what made reading fail (an I/O error, a
     * malformed response, a body sink that gave up), after which {@link #victim} says whose response failed.
     */
    End run() throws IOException {
        calls.bind(Thread.currentThread());
        while (true) {
            DirectReadSink direct = directReadSink();
            if (direct != null) {
                int n = readInto(direct);
                if (n < 0) return endOfInput();
                if (n > 0) {
                    End end = handOn(null, n);
                    if (end != null) return end;
                    continue;
                } // else the sink takes no more this way: read into the buffer, onData says why
            }
            boolean idle = reading == Reading.IDLE && connection.isIdle();
            byte[] into = idle ? buffers.idle() : buffers.busy();
            readView = buffers.viewOf(into);
            int length = lastBodyLarge && reading != Reading.BODY
                    ? Math.min(into.length, HEAD_READ_AFTER_LARGE_BODY_BYTES) : into.length;
            // Idle: a read that gives up after the grace period, to park (busy reads wait without a limit).
            boolean graced = idle && task.mayPark();
            deadlines.readStarted();
            int n;
            boolean graceOver = false;
            try {
                n = graced ? transport.read(into, 0, length, IdleParking.GRACE_MILLIS)
                        : transport.read(into, 0, length);
            } catch (SocketTimeoutException nothingArrived) {
                if (!graced) throw cutShort(nothingArrived);
                n = 0;
                graceOver = true;
            } catch (IOException e) {
                throw cutShort(e);
            } finally {
                deadlines.readReturned();
                buffers.readReturned();
            }
            if (graceOver) {
                if (park()) return End.PARKED;
                continue;
            }
            deadlines.bytesArrived();
            if (n < 0) return endOfInput();
            End end = handOn(into, n);
            if (end != null) return end;
        }
    }

    /**
     * Hands on what one read brought: {@code into[0, n)}, or, with {@code into} null, {@code n} body bytes read
     * straight into the sink. Returns how the reader ends, {@link End#DRAIN_DUE}, or null to read on.
     */
    private End handOn(byte[] into, int n) throws IOException {
        hold.hold(); // one drain for this read's responses, started once all are handed on
        int due;
        try {
            End end = into == null ? dispatchDirect(n) : dispatch(into, n);
            if (end != null) return end;
            due = hold.releaseToHere();
        } finally {
            hold.release(); // not released yet: the read ended otherwise (the drain starts as a task)
        }
        if (into != null) buffers.afterRead(into, n);
        if (due >= 0) {
            drainDue = due;
            return End.DRAIN_DUE;
        }
        connection.readDispatched();
        return null;
    }

    /** After {@link End#DRAIN_DUE}: the drain this thread is to run ({@link Delivery#drainHere}). */
    int drainDue() {
        return drainDue;
    }

    /**
     * The sink to read the current body's next bytes straight into, or null: a {@link DirectReadSink} (not failed,
     * not dropping the body), with bytes of a known length to come: at least {@link #DIRECT_READ_MIN_BYTES} of
     * them, or any of a body declared that large.
     */
    private DirectReadSink directReadSink() {
        if (reading != Reading.BODY) return null;
        Exchange<?> e = current;
        if (e == null || e == discarding || !(e.sink instanceof DirectReadSink)) return null;
        long ahead = parser.bodyBytesAhead();
        return ahead >= DIRECT_READ_MIN_BYTES || ahead > 0 && largeBody ? (DirectReadSink) e.sink : null;
    }

    /**
     * One read of the socket straight into the sink, like a read into the buffer (timeouts, a cut reported where it
     * happened): returns the bytes the sink took, 0 if it took none this way, -1 at the end of input.
     */
    private int readInto(DirectReadSink sink) throws IOException {
        if (calls.isStopped()) throw new ConnectionEnded(); // no data after the end
        int max = (int) Math.min(parser.bodyBytesAhead(), Integer.MAX_VALUE);
        deadlines.readStarted();
        int n;
        try {
            n = sink.readFrom(source, max);
        } catch (IOException e) {
            throw cutShort(e);
        } finally {
            deadlines.readReturned();
            buffers.readReturned();
        }
        if (n > 0) deadlines.bytesArrived();
        return n;
    }

    /** Counts {@code n} body bytes read straight into the sink; returns how the reader ends, or null to read on. */
    private End dispatchDirect(int n) throws IOException {
        if (calls.isStopped()) throw new ConnectionEnded();
        deadlines.bodyArrived(n);
        current.bodyBytes += n;
        parser.bodyArrived(n, this); // completes the response if these bytes end it
        return afterFeed();
    }

    /**
     * The grace read timed out: parks unless input is held above the channel (TLS). What the reader holds goes
     * first (another reader task may run as soon as the connection has parked): its buffers, the parser's, the last
     * response's exchange (every response is complete, each sink has heard its end) and its thread.
     * Whether it parked.
     */
    private boolean park() {
        if (transport.holdsInput()) return false;
        buffers.release();
        parser.releaseBuffers();
        readView = null;
        opened = null;
        calls.bind(null);
        if (task.park()) return true;
        calls.bind(Thread.currentThread());
        return false;
    }

    /** Feeds one read's bytes to the parser; returns how the reader ends, or null to read on. */
    private End dispatch(byte[] into, int n) throws IOException {
        int off = 0;
        while (off < n) {
            if (reading == Reading.IDLE) begin();
            int used = parser.feed(into, off, n - off, this);
            if (reading == Reading.HEAD) deadlines.headArrived(used);
            off += used;
            End end = afterFeed();
            if (end != null) return end;
        }
        return null;
    }

    /** After the parser consumed bytes: how the reader ends, or null to go on. */
    private End afterFeed() {
        if (parser.isComplete()) {
            reading = Reading.IDLE;
            if (lastHead != null) return End.LAST_RESPONSE;
        }
        return reading == Reading.ENDED ? End.ENDED : null;
    }

    /** Called by the watchdog: see {@link ReadBuffers#releaseIdle}. */
    boolean releaseIdleBuffer(long now) {
        return buffers.releaseIdle(now);
    }

    /** Whether the reader waits in a read with nothing expected. */
    boolean isReadingIdle() {
        return buffers.isIdle();
    }

    /** Bytes of the buffers held, for tests: see {@link ReadBuffers#heldBytes}. */
    int heldBufferBytes() {
        return buffers.heldBytes();
    }

    /**
     * The connection has ended (any thread): the reader calls no more application code, and a call in progress (a
     * sink blocked in {@code onData}) is interrupted. The sink hears its end from the reader ({@link #endOpenSink}).
     */
    void stop() {
        calls.stop();
    }

    /**
     * On the reader thread, once {@link #run} has returned or thrown and the connection has ended: tells the sink
     * still open (a response cut short) its end.
     */
    void endOpenSink(Throwable connectionFailure) {
        Exchange<?> e = opened;
        opened = null;
        if (e != null) e.tellSinkItsEnd(connectionFailure);
    }

    /**
     * The exchange that fails with the exception {@link #run} threw itself, or null (then every outstanding request
     * is classified, {@link Failures#classify}): the one whose response was malformed, or whose streamed body the
     * application did not read ({@code BODY_READ}: it has the response already, its stream reports the timeout).
     */
    Exchange<?> victim(Throwable failure) {
        boolean own = failure instanceof MalformedResponseException || failure instanceof PipelaneTimeoutException
                && ((PipelaneTimeoutException) failure).phase() == Phase.BODY_READ;
        return own ? current : null;
    }

    /** The head of the server's last response, after {@link End#LAST_RESPONSE}. */
    ResponseHead lastHead() {
        return lastHead;
    }

    private void begin() {
        current = connection.currentExchange();
        parser.reset(current != null && current.request.isHead());
        deadlines.responseBegun();
        reading = Reading.HEAD;
    }

    /**
     * The input ended. A response in progress is incomplete, not malformed (RFC 9112 §8): it fails as cut short,
     * which {@link Failures#classify} turns into an unanswered request while its head was incomplete.
     */
    private End endOfInput() throws IOException {
        Reading r = reading;
        reading = Reading.ENDED;
        if (r == Reading.IDLE) return End.INPUT_ENDED;
        try {
            if (parser.endOfInput(transport.endedCleanly(), this)) {
                // a close-delimited body ends with the input
                return lastHead != null ? End.LAST_RESPONSE : End.INPUT_ENDED;
            }
        } catch (MalformedResponseException truncated) {
            throw new IncompleteResponseException(truncated.getMessage() + forCurrent()
                    + (r == Reading.HEAD ? tlsEnd() : ""), null);
        }
        return End.INPUT_ENDED;
    }

    /** A read failed: if it was in the middle of a response, say where that response was cut. */
    private IOException cutShort(IOException e) {
        Reading r = reading;
        reading = Reading.ENDED;
        if (e instanceof PipelaneException) return e;
        if (r == Reading.HEAD) {
            return new IncompleteResponseException("the connection failed after " + deadlines.headBytes()
                    + " bytes of the response head" + forCurrent() + ": " + e, e);
        }
        if (r == Reading.BODY) {
            return new IncompleteResponseException("the connection failed in the body of the response"
                    + forCurrent() + ": " + e, e);
        }
        return e;
    }

    private String forCurrent() {
        return current == null ? "" : " to " + current.request;
    }

    private String tlsEnd() {
        return transport.endedCleanly() ? "" : " (the TLS connection ended without close_notify)";
    }

    @Override
    public void onInterim(ResponseHead head) {
        // 1xx: informational; the final response for the same request follows.
    }

    @Override
    public void onHead(ResponseHead head, BodyFraming framing) throws IOException {
        if (current == null) {
            connection.unsolicitedResponse(head);
            reading = Reading.ENDED;
            throw new ConnectionEnded();
        }
        reading = Reading.BODY;
        boolean keepAlive = parser.isKeepAlive();
        if (!keepAlive) lastHead = head;
        if (!connection.finalHead(current, head, keepAlive, parser.hasCloseToken())) {
            reading = Reading.ENDED;
            throw new ConnectionEnded();
        }
        largeBody = head.bodyLength() >= DIRECT_READ_MIN_BYTES;
        openSink(current, head);
    }

    private <T> void openSink(Exchange<T> e, ResponseHead head) throws IOException {
        if (!calls.enter()) throw new ConnectionEnded();
        BodySink<T> sink;
        try {
            hold.beforeHandler(e.handler);
            sink = e.handler.open(head, options);
            if (sink == null) throw new NullPointerException("the body handler returned no sink");
        } catch (RuntimeException ex) {
            discard(e, new PipelaneException("the body handler of " + e.request + " failed: " + ex, ex));
            return;
        } finally {
            calls.leave();
        }
        opened = e;
        hold.sinkOpened(sink);
        e.open(head, sink, connection.delivery());
        if (calls.isStopped()) throw new ConnectionEnded(); // the sink hears its end when the reader stops
    }

    /** Only this response fails; the rest of its body is read and dropped, the pipeline goes on. */
    private void discard(Exchange<?> e, Throwable cause) {
        discarding = e;
        if (connection.discardBody(e)) e.failOn(connection.delivery(), cause);
    }

    @Override
    public void onBody(byte[] buf, int off, int len) throws IOException {
        deadlines.bodyArrived(len);
        Exchange<?> e = current;
        e.bodyBytes += len;
        if (e == discarding || e.sink == null) return;
        hold.beforeSink();
        readView.limit(off + len).position(off);
        if (!calls.enter()) throw new ConnectionEnded(); // no data after the end
        try {
            e.sink.onData(readView);
        } catch (PipelaneTimeoutException timeout) {
            throw timeout; // the application did not read a streamed body: the connection ends
        } catch (IOException | RuntimeException ex) {
            if (!calls.isStopped()) { // else interrupted by the connection's end: not the sink's failure
                discard(e, ex instanceof LimitExceededException ? ex
                        : new IOException("the body handler of " + e.request + " failed: " + ex, ex));
            }
        } finally {
            calls.leave();
        }
        if (calls.isStopped()) throw new ConnectionEnded();
    }

    @Override
    public void onComplete(Headers trailerFields) throws IOException {
        Exchange<?> e = current;
        current = null;
        deadlines.responseEnded();
        lastBodyLarge = deadlines.bodyBytes() >= DIRECT_READ_MIN_BYTES;
        if (e == null) return;
        boolean dropped = e == discarding;
        discarding = null;
        if (!connection.responseComplete(e)) {
            reading = Reading.ENDED;
            return;
        }
        e.trailersArrived(trailerFields);
        BodySink<?> sink = dropped ? null : e.completeSink();
        if (sink != null) {
            calls.enter(); // even if the connection has ended since: the response is complete, its sink hears so
            hold.beforeSink();
            try {
                sink.onComplete(trailerFields);
            } catch (IOException | RuntimeException ex) {
                e.failOn(connection.delivery(), ex); // reported failed: the caller gets this failure
            } finally {
                calls.leave();
            }
        }
        e.reportCompleted(); // once the sink accepted the end (a no-op if the exchange was reported failed)
        connection.afterResponse();
    }

    // ------------------------------------------------------------------------------------------ timeouts

    /**
     * Called by the watchdog: the read timeout that has passed, or null ({@link ReadDeadlines#expired}). The read
     * timeouts apply only while the reader waits in a socket read (a body sink bounds its own waits).
     */
    Expiry expired(long now) {
        if (!deadlines.inRead()) return null;
        return deadlines.expired(now, reading);
    }

    /** Unwinds the read loop once the connection has been ended from inside a listener callback. */
    private static final class ConnectionEnded extends IOException {
        private static final long serialVersionUID = 1L;

        ConnectionEnded() {
            super("connection ended", null);
        }
    }
}
