package io.pipelane.internal.engine;

import io.pipelane.BodyHandler;
import io.pipelane.Connection;
import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.HttpVersion;
import io.pipelane.PipelaneException;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.PipelaneTimeoutException.Phase;
import io.pipelane.Persistence;
import io.pipelane.PossiblyProcessedException;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.ResponseHead;
import io.pipelane.RetryException;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * The state machine of one pipelined connection, and its two queues: {@code waiting} (accepted, not yet
 * written) and {@code inFlight} (taken by the writer, response not yet complete).
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li>The <b>reader task</b> (one per connection, on the executor) connects, then reads and parses responses
 *       until the connection ends ({@link ResponseReader}).</li>
 *   <li>The <b>writer task</b> ({@link PipelineWriter}) is submitted when there is something to write and the
 *       pipeline has room; it writes every writable request into one batch, flushes, and ends. At most one
 *       runs at a time ({@code writerScheduled}).</li>
 *   <li>The <b>watchdog</b> thread of the factory calls {@link #checkTimeouts} every tick.</li>
 *   <li>Application threads call {@code call}, {@code shutdown}, {@code close} and the getters.</li>
 * </ul>
 * Every field marked "guarded" is read and written under {@code lock}; no I/O and no application callback
 * runs under it. A connection ends exactly once, in {@link #terminate}: the first caller wins, later ones
 * return.
 */
final class HttpConnection implements Connection, Watchdog.Watched, Connector.Progress {
    private static final System.Logger LOG = System.getLogger("io.pipelane");

    final Endpoint endpoint;
    final ConnectionOptions options;
    private final Executor executor;
    private final Watchdog watchdog;
    private final Consumer<HttpConnection> onTerminated;
    private final long id;

    private final Object lock = new Object();
    // --- guarded by lock ---
    private volatile ConnectionState state = ConnectionState.CONNECTING; // volatile for lock-free reads only
    private final ArrayDeque<Exchange<?>> waiting = new ArrayDeque<>();
    private final ArrayDeque<Exchange<?>> inFlight = new ArrayDeque<>();
    /** Whether requests may be written before the responses ahead of them. */
    private boolean pipelining;
    /** Under AUTO: whether the first response has decided persistence. */
    private boolean persistenceDecided;
    /** shutdown() was called: write the queue, then half-close. */
    private boolean shutdownRequested;
    /** A request with Connection: close was written, or the server announced it closes: write nothing more. */
    private boolean lastRequestWritten;
    /** The write side has been shut (FIN / close_notify). */
    private boolean outputShut;
    private boolean writerScheduled;
    private int bytesInFlight;
    /** A request that is not idempotent, written, whose final status has not arrived: nothing is written behind it. */
    private Exchange<?> gate;
    /** Requests taken off the queues by terminate() and not yet failed: still counted by length(). */
    private int pendingFailures;
    /** The stage nextChange() handed out, completed at the next change; volatile so signalling can skip the lock. */
    private volatile CompletableFuture<Void> change;
    private Transport transport;
    private Closeable connecting;
    private PipelineWriter writer;

    // --- time stamps for the watchdog (System.nanoTime, 0 = not in that phase) ---
    private volatile long connectStartedAt;
    private volatile long handshakeStartedAt;
    volatile long writeStartedAt;
    volatile boolean readBlocked;
    volatile boolean midResponse;
    volatile long lastReadAt;
    volatile long lastResponseEndAt;

    final CompletableFuture<Connection> connected = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    HttpConnection(long id, Endpoint endpoint, ConnectionOptions options, Executor executor, Watchdog watchdog,
                   Consumer<HttpConnection> onTerminated) {
        this.id = id;
        this.endpoint = endpoint;
        this.options = options;
        this.executor = executor;
        this.watchdog = watchdog;
        this.onTerminated = onTerminated;
        this.pipelining = options.persistence() == Persistence.TRUE;
        this.persistenceDecided = options.persistence() != Persistence.AUTO;
    }

    /** Starts connecting in the background. */
    void start() {
        connectStartedAt = System.nanoTime();
        watchdog.register(this);
        try {
            executor.execute(this::connectAndRead);
        } catch (RejectedExecutionException e) {
            terminate(ConnectionState.FAILED, new PipelaneException("the executor refused the connection's task", e), null);
        }
    }

    // ------------------------------------------------------------------------------------------ connecting

    private void connectAndRead() {
        Transport t;
        try {
            t = Connector.open(endpoint, options, this);
        } catch (Throwable e) {
            terminate(ConnectionState.FAILED, e, null);
            return;
        }
        ResponseReader reader;
        synchronized (lock) {
            connecting = null;
            connectStartedAt = 0;
            handshakeStartedAt = 0;
            if (state.isTerminal()) {
                t.close();
                return;
            }
            transport = t;
            writer = new PipelineWriter(this, t);
            reader = new ResponseReader(this, t);
            if (state == ConnectionState.CONNECTING) state = ConnectionState.OPEN;
        }
        LOG.log(System.Logger.Level.DEBUG, () -> this + " connected: " + t.describe());
        connected.complete(this);
        signalChange();
        scheduleWriter();
        reader.run();
    }

    @Override
    public void connecting(Closeable handle) {
        synchronized (lock) {
            connecting = handle;
            if (state.isTerminal()) closeQuietly(handle);
        }
    }

    @Override
    public void handshaking() {
        handshakeStartedAt = System.nanoTime();
        connectStartedAt = 0;
    }

    // ------------------------------------------------------------------------------------------ public API

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public <T> CompletableFuture<Response<T>> call(Request request, BodyHandler<T> handler) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        Exchange<T> e = new Exchange<>(request, handler);
        CompletableFuture<Void> changed;
        PipelineWriter writerToStart;
        synchronized (lock) {
            if (!state.acceptsRequests()) {
                e.future.completeExceptionally(new RetryException(RetryException.Reason.REFUSED, request
                        + " was not sent: the connection to " + endpoint + " no longer accepts requests (" + state
                        + ")", null));
                return e.future;
            }
            if (options.persistence() == Persistence.FALSE) {
                state = ConnectionState.CLOSING; // Persistence.FALSE: one request only
            }
            waiting.add(e);
            changed = takeChange();
            writerToStart = claimWriter();
        }
        complete(changed);
        start(writerToStart);
        return e.future;
    }

    @Override
    public void shutdown() {
        synchronized (lock) {
            if (state.isTerminal() || shutdownRequested) return;
            shutdownRequested = true;
            if (state == ConnectionState.CONNECTING || state == ConnectionState.OPEN) state = ConnectionState.CLOSING;
        }
        signalChange();
        scheduleWriter();
    }

    @Override
    public void close() {
        terminate(ConnectionState.CLOSED,
                new ConnectionClosedException("connection to " + endpoint + " closed by Connection.close()"), null);
    }

    /** Closes with a reason of the caller's, e.g. the factory being closed. */
    void close(ConnectionClosedException reason) {
        terminate(ConnectionState.CLOSED, reason, null);
    }

    @Override
    public boolean isClosed() {
        return !state.acceptsRequests();
    }

    @Override
    public int length() {
        synchronized (lock) {
            return waiting.size() + inFlight.size() + pendingFailures;
        }
    }

    @Override
    public CompletionStage<Void> nextChange() {
        synchronized (lock) {
            if (state.isTerminal() && pendingFailures == 0) return CompletableFuture.completedFuture(null);
            if (change == null) change = new CompletableFuture<>();
            return change;
        }
    }

    @Override
    public CompletionStage<Void> closed() {
        return closed;
    }

    @Override
    public ConnectionState state() {
        return state;
    }

    @Override
    public boolean isPipelining() {
        synchronized (lock) {
            return pipelining;
        }
    }

    /** Writer statistics, for tests and the console: socket write calls and bytes so far. */
    long[] writeStats() {
        PipelineWriter w;
        synchronized (lock) {
            w = writer;
        }
        return w == null ? new long[] {0, 0} : new long[] {w.writeCalls(), w.bytesWritten()};
    }

    // ------------------------------------------------------------------------------------------ writer side

    /** What the writer does next. */
    enum WriterStep { WRITE, FLUSH, HALF_CLOSE, EXIT }

    private void scheduleWriter() {
        PipelineWriter w;
        synchronized (lock) {
            w = claimWriter();
        }
        start(w);
    }

    /** The writer, if it should be started now (then marked scheduled); else null. Under lock. */
    private PipelineWriter claimWriter() {
        if (writerScheduled || writer == null || state.isTerminal()) return null;
        if (peekWritable() == null && !halfCloseDue()) return null;
        writerScheduled = true;
        return writer;
    }

    private void start(PipelineWriter w) {
        if (w == null) return;
        try {
            executor.execute(w);
        } catch (RejectedExecutionException e) {
            terminate(ConnectionState.FAILED, new PipelaneException("the executor refused the writer task", e), null);
        }
    }

    /**
     * Called by the writer, between requests. Chooses the next step and, for {@link WriterStep#WRITE}, moves
     * the request to the in-flight queue and tells the writer how to frame it.
     */
    WriterStep nextWriterStep(PipelineWriter w, boolean haveBuffered, Exchange<?> justWritten, int justWrittenBytes) {
        synchronized (lock) {
            if (justWritten != null) countInFlight(justWritten, justWrittenBytes);
            if (state.isTerminal()) {
                writerScheduled = false;
                return WriterStep.EXIT;
            }
            Exchange<?> e = peekWritable();
            if (e != null) {
                waiting.poll();
                inFlight.add(e);
                if (!e.request.isIdempotent()) gate = e;
                boolean close = options.persistence() == Persistence.FALSE || (shutdownRequested && waiting.isEmpty());
                if (close) lastRequestWritten = true;
                w.next(e, close, pipelining);
                return WriterStep.WRITE;
            }
            if (haveBuffered) return WriterStep.FLUSH;
            if (halfCloseDue()) {
                outputShut = true;
                return WriterStep.HALF_CLOSE;
            }
            writerScheduled = false;
            return WriterStep.EXIT;
        }
    }

    /** The next request the writer may take, or null. Under lock. */
    private Exchange<?> peekWritable() {
        if (lastRequestWritten || outputShut || transport == null) return null;
        if (state != ConnectionState.OPEN && state != ConnectionState.CLOSING) return null;
        Exchange<?> e = waiting.peek();
        if (e == null || inFlight.isEmpty()) return e;
        if (!pipelining) return null;
        if (inFlight.size() >= options.maxPipelineDepth()) return null;
        if (bytesInFlight >= options.maxBytesInFlight()) return null;
        if (gate != null && !options.pipelineAfterNonIdempotent()) return null;
        return e;
    }

    private boolean halfCloseDue() {
        return shutdownRequested && !outputShut && waiting.isEmpty() && transport != null
                && (state == ConnectionState.CLOSING || state == ConnectionState.OPEN);
    }

    /** The writer is about to hand these requests' bytes to the socket: from now on they count as sent. */
    void markSent(List<Exchange<?>> exchanges) {
        synchronized (lock) {
            for (Exchange<?> e : exchanges) e.sent = true;
        }
    }

    /** A request is wholly in the writer's batch: its bytes count towards maxBytesInFlight. Under lock. */
    private void countInFlight(Exchange<?> e, int bytes) {
        // A response may complete before its request is fully written (an early answer): then its bytes are no
        // longer in flight.
        if (!e.responded && !state.isTerminal()) {
            e.wireBytes = bytes;
            bytesInFlight += bytes;
        }
    }

    /**
     * A request could not be written and none of its bytes were: it fails alone (e.g. a body of unknown
     * length too large to buffer), the connection goes on.
     */
    void notWritten(Exchange<?> e, PipelaneException cause) {
        synchronized (lock) {
            if (!inFlight.removeLastOccurrence(e)) return;
            if (gate == e) gate = null;
        }
        e.fail(cause);
        signalChange();
        finishIfDone();
    }

    /**
     * Nothing more will be written after shutdown(); {@code halfClosed} says whether the write side was
     * really shut (not on TLS 1.2, see {@link Transport#supportsHalfClose()}).
     */
    void outputShutDown(boolean halfClosed) {
        synchronized (lock) {
            if (halfClosed && state == ConnectionState.CLOSING) state = ConnectionState.HALF_CLOSED;
        }
        signalChange();
        finishIfDone();
    }

    /** Writing failed: the connection ends. {@code victim} is a request whose own body failed, else null. */
    void writeFailed(Throwable cause, Exchange<?> victim) {
        terminate(ConnectionState.FAILED, cause, victim);
    }

    // ------------------------------------------------------------------------------------------ reader side

    /** The exchange whose response comes next, or null if nothing is in flight. */
    Exchange<?> currentExchange() {
        synchronized (lock) {
            return inFlight.peek();
        }
    }

    /**
     * The final head of {@code e}'s response has arrived. Decides persistence (AUTO), lifts the
     * non-idempotent gate, and handles a server that closes after this response.
     *
     * @param keepAlive  whether the connection may carry further responses (RFC 9112 §9.3)
     * @param closeToken whether the response carried {@code Connection: close} (requests written after it were
     *                   not processed)
     */
    void finalHead(Exchange<?> e, ResponseHead head, boolean keepAlive, boolean closeToken) {
        CompletableFuture<Void> changed;
        PipelineWriter writerToStart;
        synchronized (lock) {
            e.head = head; // from now on its failure is "response cut short", never a retry
            if (gate == e) gate = null;
            if (!persistenceDecided) {
                persistenceDecided = true;
                pipelining = keepAlive && head.version() == HttpVersion.HTTP_1_1;
            }
            if (!keepAlive) {
                lastRequestWritten = true; // nothing more is written; isPipelining() keeps telling how it ran
                if (state.acceptsRequests()) state = ConnectionState.CLOSING;
                if (closeToken) {
                    boolean behind = false;
                    for (Exchange<?> x : inFlight) {
                        if (behind) x.afterCloseResponse = true;
                        if (x == e) behind = true;
                    }
                }
                changed = takeChange();
            } else {
                changed = null; // length() and the state are unchanged
            }
            writerToStart = claimWriter();
        }
        complete(changed);
        start(writerToStart);
    }

    /** What the reader does after {@link #responseComplete}. */
    enum Completion {
        /** The connection ended meanwhile: the exchange was already failed by {@link #terminate}. */
        ENDED,
        /** Deliver the response; the connection goes on. */
        DELIVER,
        /** Deliver the response, then see whether the connection is done ({@link #afterLastResponse()}). */
        DELIVER_THEN_CHECK
    }

    /**
     * {@code e}'s response is complete: takes it off the in-flight queue, signals the change of length and
     * starts the writer if the pipeline has room again.
     */
    Completion responseComplete(Exchange<?> e) {
        CompletableFuture<Void> changed;
        PipelineWriter writerToStart;
        boolean mayBeDone;
        synchronized (lock) {
            if (inFlight.peek() != e) return Completion.ENDED;
            inFlight.poll();
            e.responded = true;
            bytesInFlight -= e.wireBytes;
            if (gate == e) gate = null;
            changed = takeChange();
            writerToStart = claimWriter();
            mayBeDone = lastRequestWritten || shutdownRequested;
        }
        lastResponseEndAt = System.nanoTime();
        complete(changed);
        start(writerToStart);
        return mayBeDone ? Completion.DELIVER_THEN_CHECK : Completion.DELIVER;
    }

    /** After a response delivered with {@link Completion#DELIVER_THEN_CHECK}. */
    void afterLastResponse() {
        finishIfDone();
    }

    /** The last response the server will send is complete (it closes after it): end the connection. */
    void serverClosedAfterResponse(ResponseHead head) {
        terminate(ConnectionState.CLOSED, new ConnectionClosedException("the server closed the connection after a "
                + head.status() + " response" + (head.headers().containsToken("Connection", "close")
                ? " with Connection: close" : " that did not keep the connection alive")), null);
    }

    /** The server closed its side. */
    void inputEnded() {
        boolean idle;
        synchronized (lock) {
            idle = inFlight.isEmpty() && (waiting.isEmpty() || lastRequestWritten);
        }
        terminate(idle ? ConnectionState.CLOSED : ConnectionState.FAILED,
                new ConnectionClosedException("the server closed the connection to " + endpoint), null);
    }

    /** Reading failed (I/O error, malformed response, a body sink gave up): the connection ends. */
    void readFailed(Throwable cause, Exchange<?> victim) {
        if (cause instanceof PipelaneTimeoutException
                && ((PipelaneTimeoutException) cause).phase() == Phase.BODY_READ) {
            LOG.log(System.Logger.Level.WARNING, () -> "the streamed response body of " + victim + " on " + this
                    + " was not read for " + options.bodyReadTimeout().toMillis()
                    + " ms: closing the connection; read or close response body streams");
        }
        terminate(ConnectionState.FAILED, cause, victim);
    }

    /** A response arrived with no request outstanding (an unsolicited 408, say): close, fail nothing unsent. */
    void unsolicitedResponse(ResponseHead head) {
        terminate(ConnectionState.CLOSED, new ConnectionClosedException("unsolicited " + head.status()
                + " response from " + endpoint + " with no request outstanding"), null);
    }

    // ------------------------------------------------------------------------------------------ ending

    private void finishIfDone() {
        boolean done;
        synchronized (lock) {
            boolean nothingMoreToWrite = shutdownRequested ? outputShut : lastRequestWritten;
            done = nothingMoreToWrite && waiting.isEmpty() && inFlight.isEmpty()
                    && (state == ConnectionState.CLOSING || state == ConnectionState.HALF_CLOSED);
        }
        if (done) {
            terminate(ConnectionState.CLOSED, new ConnectionClosedException("connection to " + endpoint
                    + " closed after its last request"), null);
        }
    }

    /**
     * Ends the connection, once: closes the transport, runs the finaliser, then fails every outstanding request
     * as RFC 9112 §9.3 allows (see {@link #classify}) and completes {@link #closed()}.
     *
     * @param cause  why the connection ended
     * @param victim the request that fails with {@code cause} itself (a malformed response, a timeout), or null
     */
    void terminate(ConnectionState finalState, Throwable cause, Exchange<?> victim) {
        List<Exchange<?>> outstanding;
        Transport t;
        Closeable c;
        synchronized (lock) {
            if (state.isTerminal()) return;
            state = finalState;
            outstanding = new ArrayList<>(inFlight.size() + waiting.size());
            outstanding.addAll(inFlight);
            outstanding.addAll(waiting);
            inFlight.clear();
            waiting.clear();
            pendingFailures = outstanding.size();
            bytesInFlight = 0;
            gate = null;
            t = transport;
            c = connecting;
        }
        if (t != null) t.close();
        if (c != null) closeQuietly(c);
        watchdog.deregister(this);
        onTerminated.accept(this);
        if (finalState == ConnectionState.FAILED) {
            LOG.log(System.Logger.Level.DEBUG, () -> this + " failed: " + cause);
        }
        connected.completeExceptionally(cause);
        signalChange(); // the state changed: observers learn it now, not after the finaliser
        runFinaliser().whenComplete((v, err) -> {
            if (err != null) LOG.log(System.Logger.Level.WARNING, "the finaliser of " + this + " failed", err);
            for (Exchange<?> e : outstanding) {
                e.fail(e == victim ? cause : classify(e, cause));
            }
            synchronized (lock) {
                pendingFailures = 0;
            }
            signalChange();
            closed.complete(null);
        });
    }

    private CompletionStage<Void> runFinaliser() {
        if (options.finaliser() == null) return CompletableFuture.completedFuture(null);
        try {
            CompletionStage<Void> stage = options.finaliser().apply(this);
            return stage != null ? stage : CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** RFC 9112 §9.3 and §9.6: may this outstanding request be sent again? */
    static Throwable classify(Exchange<?> e, Throwable cause) {
        String why = cause.getMessage() != null ? cause.getMessage() : cause.toString();
        if (e.head != null) {
            return new PipelaneException("the response to " + e.request + " was cut short: " + why, cause);
        }
        if (!e.sent) {
            return new RetryException(RetryException.Reason.NOT_SENT, e.request + " was not sent: " + why, cause);
        }
        if (e.afterCloseResponse) {
            return new RetryException(RetryException.Reason.SENT_AFTER_CLOSE, e.request + " was sent after a"
                    + " response with Connection: close, so the server did not process it: " + why, cause);
        }
        if (e.request.isIdempotent()) {
            return new RetryException(RetryException.Reason.IDEMPOTENT_UNANSWERED, e.request + " was sent but not"
                    + " answered; it is idempotent, so it may be"
                    + " sent again: " + why, cause);
        }
        return new PossiblyProcessedException(e.request + " was sent but not answered, and the server may have"
                + " processed it: " + why, cause);
    }

    private void signalChange() {
        if (change == null) return; // nobody waits: no lock needed
        CompletableFuture<Void> c;
        synchronized (lock) {
            c = takeChange();
        }
        complete(c);
    }

    /** Takes the pending nextChange() stage, to be completed outside the lock. Under lock. */
    private CompletableFuture<Void> takeChange() {
        CompletableFuture<Void> c = change;
        if (c != null) change = null;
        return c;
    }

    private static void complete(CompletableFuture<Void> c) {
        if (c != null) c.complete(null);
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }

    // ------------------------------------------------------------------------------------------ timeouts

    @Override
    public void checkTimeouts(long now) {
        if (state.isTerminal()) return;
        long hs = handshakeStartedAt;
        if (hs != 0 && now - hs > options.handshakeTimeout().toNanos()) {
            timeout(Phase.HANDSHAKE, options.handshakeTimeout(), "the TLS handshake with " + endpoint, null);
            return;
        }
        long cs = connectStartedAt;
        if (cs != 0 && now - cs > options.connectTimeout().toNanos()) {
            timeout(Phase.CONNECT, options.connectTimeout(), "connecting to " + endpoint, null);
            return;
        }
        long ws = writeStartedAt;
        if (ws != 0 && now - ws > options.writeTimeout().toNanos()) {
            PipelineWriter w;
            synchronized (lock) {
                w = writer;
            }
            timeout(Phase.WRITE, options.writeTimeout(), "writing to " + endpoint, w == null ? null : w.current());
            return;
        }
        if (!readBlocked) return;
        if (midResponse) {
            if (now - lastReadAt > options.idleReadTimeout().toNanos()) {
                Exchange<?> e = currentExchange();
                timeout(Phase.IDLE_READ, options.idleReadTimeout(), "reading the response to " + e, e);
            }
            return;
        }
        Exchange<?> e = currentExchange();
        if (e == null) return;
        long writtenAt = e.writtenAt;
        if (writtenAt == 0) return;
        long since = Math.max(writtenAt, lastResponseEndAt);
        if (now - since > options.responseTimeout().toNanos()) {
            timeout(Phase.RESPONSE, options.responseTimeout(), "waiting for the response to " + e, e);
        }
    }

    private void timeout(Phase phase, Duration d, String what, Exchange<?> victim) {
        terminate(ConnectionState.FAILED, new PipelaneTimeoutException(phase, d, what + " timed out"), victim);
    }

    @Override
    public String toString() {
        return "Connection#" + id + "[" + endpoint + ", " + state + "]";
    }

    long id() {
        return id;
    }
}
