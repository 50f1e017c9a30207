package io.pipelane.internal.engine;

import io.pipelane.BodyHandler;
import io.pipelane.Connection;
import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.HttpVersion;
import io.pipelane.PipelaneException;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.ResponseHead;
import io.pipelane.RetryException;
import io.pipelane.ConnectionEvent.CloseReason;
import io.pipelane.internal.event.ConnectionEvents;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * One pipelined connection: its public API, its {@link ConnectionState}, its queues ({@link Pipeline}) and its
 * ending. The write side ({@link WriteSide}: what may still be written, the {@link PipelineWriter} and its steps),
 * the reader task ({@link ReaderTask}: connecting, then the {@link ResponseReader}, its hand-on and parking), the
 * connect timeouts ({@link ConnectDeadlines}) and the {@link Watchdog} each own their own state and report to this
 * class, which alone changes the connection's; {@code nextChange()}'s stage is {@link ChangeSignal}'s.
 *
 * <h2>Lifecycle</h2>
 * <ol>
 *   <li>{@code CONNECTING}: the reader task opens the transport through the factory's {@link Connector}
 *       (TCP, then TLS: {@link ConnectDeadlines.ConnectPhase}); requests queue.</li>
 *   <li>{@code OPEN}: the writer writes what the pipeline allows ({@code Writing.OPEN}); the reader delivers
 *       responses in order.</li>
 *   <li>{@code CLOSING}: no new request is accepted, because of {@code shutdown()} ({@code Writing.DRAINING}: the
 *       queue is written, then the output shut), a response that ends persistence or a one-request connection
 *       ({@code Writing.FINISHED}: nothing more is written), or a failed or timed-out write ({@code Writing.STOPPED}:
 *       the requests never sent fail at once with {@link RetryException}, the one whose write timed out as
 *       {@link Failures#classify} says, and the output is shut; the responses still coming are read).</li>
 *   <li>{@code HALF_CLOSED}: the output was shut after {@code shutdown()}; the remaining responses are read.</li>
 *   <li>{@code CLOSED} or {@code FAILED} ({@link #terminate}, exactly once): the transport is closed, then on the
 *       executor the finaliser runs and the outstanding requests fail, classified by RFC 9112 §9.3
 *       ({@link Failures#classify}); {@link #closed()} completes when the finaliser's stage does (and the socket
 *       write in progress at the end has returned, see {@link Termination}), or after
 *       {@link ConnectionOptions#finaliserTimeout()} if it never does.</li>
 * </ol>
 * <pre>
 *   CONNECTING ──► OPEN ──► CLOSING ──► HALF_CLOSED ──► CLOSED
 *        │           │          │             │
 *        └───────────┴──────────┴─────────────┴──────► FAILED
 * </pre>
 * The {@code Writing} states, and their diagram, are the write side's ({@link WriteSide}).
 *
 * <h2>Threads</h2>
 * The reader task (one per connection at a time, on the executor) connects, then reads until the input ends, or
 * until a read's completions are due: it then hands the reading on to a new task and, no longer the reader, runs
 * them itself ({@link ReaderTask}). Over TCP it parks after {@link IdleParking#GRACE_MILLIS} with nothing expected:
 * the task ends, the factory's {@link IdleSelector} thread waits for the socket, and starts a new reader task when
 * the socket becomes readable or a write is about to begin (the write waits until the socket is blocking again);
 * the writer
 * ({@link WriteSide}) runs on the thread that made a request writable when its write cannot block (a
 * {@code call} with nothing in flight, the reader once a read's responses are handed on), else as a task on the
 * executor; the watchdog thread only checks deadlines and, when one passed,
 * ends the connection (closes the transport), or after a write timeout shuts the output, without running any
 * application code; application threads call
 * the public methods. Application code (response futures' dependent stages, {@code nextChange()} and
 * {@code connected} stages, the finaliser) runs on the executor, never on the reader or the watchdog, through the
 * {@link Delivery}; requests those completions make are written by the delivery's drain at the end of its round,
 * on its thread, in one write ({@link Delivery#deferWrite}). Body handlers and sinks run on the reader only: the
 * ending stops the reader ({@link ReaderCalls}: a reader blocked in a sink is interrupted), which then tells the
 * open sink its end. Every field marked "guarded" is read and written under {@code lock}; no I/O and no
 * application code runs under it.
 */
final class HttpConnection implements Connection, Watchdog.Watched, Connector.Progress {
    private static final System.Logger LOG = io.pipelane.internal.log.Logs.logger(HttpConnection.class);

    final Endpoint endpoint;
    final ConnectionOptions options;
    private final Executor executor;
    /** Runs application code (completions, the finaliser of an ending on its own) on the executor, in order. */
    private final Delivery delivery;
    private final Watchdog watchdog;
    /** Connects, then reads: owns the reader and its parking. */
    private final ReaderTask readerTask;
    private final Consumer<HttpConnection> onTerminated;
    private final long id;
    /** Reports what happens to the listeners (one call per event; nothing is built when nobody listens). */
    private final ConnectionEvents events;

    final Object lock = new Object();
    // --- guarded by lock ---
    private volatile ConnectionState state = ConnectionState.CONNECTING; // volatile for lock-free reads only
    private final Pipeline pipeline;
    /** The write side: what may still be written, the writer and its steps (guarded by lock too). */
    private final WriteSide writes;
    /** The ending: the requests taken off the queues by terminate() wait there for the finaliser. */
    private final Termination termination;
    /** Requests accepted so far: the last one's sequence number. */
    private long accepted;
    /** How it ended, for the listeners: set by terminate(). */
    private ConnectionState endState;
    private CloseReason endReason;
    private Throwable endCause;
    /** Why the connection failed or closed, once terminated; the cause of the requests it refuses. */
    private Throwable failure;
    /**
     * Why it stopped accepting requests without a failure (shutdown(), a response that ended persistence, a
     * one-request connection): named by the requests it refuses while {@code failure} is null.
     */
    private String closingReason;
    /** The stage nextChange() handed out, completed at the next change (guarded by lock too). */
    private final ChangeSignal changes;
    private Transport transport;
    private Closeable connecting;

    /** The phases of connecting, for the watchdog. */
    private final ConnectDeadlines connectDeadlines = new ConnectDeadlines();

    final CompletableFuture<Connection> connected = new CompletableFuture<>();

    HttpConnection(long id, Endpoint endpoint, ConnectionOptions options, Executor executor, Watchdog watchdog,
                   Connector connector, IdleSelector idleSelector, Consumer<HttpConnection> onTerminated,
                   ConnectionEvents events) {
        this.id = id;
        this.events = events;
        this.endpoint = endpoint;
        this.options = options;
        this.executor = executor;
        this.watchdog = watchdog;
        this.onTerminated = onTerminated;
        this.pipeline = new Pipeline(options);
        this.delivery = new Delivery(executor, this, this::writeDeferred);
        this.changes = new ChangeSignal(lock, delivery);
        this.readerTask = new ReaderTask(this, executor, delivery, connector, idleSelector);
        this.termination = new Termination(this, lock, options, delivery);
        this.writes = new WriteSide(this, lock, pipeline, executor, termination);
    }

    /** The delivery's round is over: the requests its completions made go out now, in one write. */
    private void writeDeferred() {
        writes.schedule();
    }

    /** Starts connecting in the background. */
    void start() {
        connectDeadlines.started(System.nanoTime());
        events.connecting();
        watchdog.register(this);
        try {
            executor.execute(readerTask::connectAndRead);
        } catch (RejectedExecutionException e) {
            terminate(ConnectionState.FAILED, new PipelaneException("the executor refused the connection's task", e), null);
        }
    }

    /** Where the application's completions run. */
    Delivery delivery() {
        return delivery;
    }

    // ------------------------------------------------------------------------------------------ connecting

    /**
     * On the reader task: the transport is open. Attaches it (the reader and its parking, {@link ReaderTask#attach}),
     * opens the connection and starts the writer. False if the connection ended meanwhile (the transport is closed):
     * nothing is read.
     */
    boolean opened(Transport t) {
        PipelineWriter w;
        boolean configured;
        synchronized (lock) {
            connecting = null;
            connectDeadlines.done();
            if (state.isTerminal()) {
                t.close();
                return false;
            }
            transport = t;
            writes.attach(t);
            readerTask.attach(t);
            if (state == ConnectionState.CONNECTING) state = ConnectionState.OPEN;
            w = writes.claim();
            configured = options.persistence() != io.pipelane.Persistence.AUTO;
        }
        LOG.log(System.Logger.Level.DEBUG, () -> this + " connected: " + t.describe());
        events.opened(t.describe());
        if (configured) events.persistenceConfigured(options.persistence() == io.pipelane.Persistence.TRUE);
        delivery.submit(connected, () -> connected.complete(this));
        changes.signal();
        WriteSide.start(w);
        return true;
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
        connectDeadlines.handshaking(System.nanoTime());
        events.handshaking();
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
        Exchange<T> e = new Exchange<>(request, handler, events);
        boolean onDrain = delivery.isDrainingHere();
        CompletableFuture<Void> changed;
        WriteStart start;
        synchronized (lock) {
            if (!admit(e)) return e.future;
            changed = changes.take();
            start = WriteStart.decide(onDrain, pipeline, writes, options);
        }
        e.reportQueued();
        changes.complete(changed);
        start.run(delivery, writes);
        return e.future;
    }

    @Override
    public <T> List<CompletableFuture<Response<T>>> callAll(List<Request> requests, BodyHandler<T> handler) {
        Objects.requireNonNull(handler, "handler");
        List<Exchange<T>> exchanges = new ArrayList<>(requests.size());
        for (Request request : requests) {
            exchanges.add(new Exchange<>(Objects.requireNonNull(request, "request"), handler, events));
        }
        boolean onDrain = delivery.isDrainingHere();
        CompletableFuture<Void> changed;
        WriteStart start;
        synchronized (lock) {
            boolean any = false;
            for (Exchange<T> e : exchanges) any |= admit(e);
            changed = any ? changes.take() : null;
            start = any ? WriteStart.decide(onDrain, pipeline, writes, options) : WriteStart.NONE;
        }
        List<CompletableFuture<Response<T>>> futures = new ArrayList<>(exchanges.size());
        for (Exchange<T> e : exchanges) {
            if (e.sequence != 0) e.reportQueued();
            futures.add(e.future);
        }
        changes.complete(changed);
        start.run(delivery, writes);
        return futures;
    }

    /**
     * Queues {@code e}, or fails it at once (its future has no dependents yet) if the connection no longer accepts
     * requests or its queue is full. Under lock.
     */
    private boolean admit(Exchange<?> e) {
        if (!state.acceptsRequests()) {
            e.future.completeExceptionally(refused(e.request));
            return false;
        }
        if (pipeline.waitingCount() >= options.maxQueuedRequests()) {
            e.future.completeExceptionally(new RetryException(RetryException.Reason.REFUSED, e.request
                    + " was not sent: the connection to " + endpoint + " already holds "
                    + pipeline.waitingCount() + " requests not yet written (maxQueuedRequests = "
                    + options.maxQueuedRequests() + ")", null));
            return false;
        }
        if (pipeline.oneRequestOnly()) {
            state = ConnectionState.CLOSING;
            closingReason = "it carries one request only (persistence FALSE)";
        }
        e.sequence = ++accepted;
        pipeline.add(e);
        return true;
    }

    /**
     * The failure of a request the connection no longer accepts. Its cause is the connection's failure, or, while
     * none is recorded (it is closing), a {@link ConnectionClosedException} that says why it stopped accepting
     * requests: every refusal names its reason. Under lock.
     */
    private RetryException refused(Request request) {
        Throwable cause;
        String why;
        if (failure != null) {
            cause = failure;
            why = Failures.why(failure);
        } else {
            why = closingReason != null ? closingReason : "it accepts no more requests";
            cause = new ConnectionClosedException("the connection to " + endpoint + " accepts no more requests: " + why);
        }
        return new RetryException(RetryException.Reason.REFUSED, request + " was not sent: the connection to "
                + endpoint + " no longer accepts requests (" + state + "): " + why, cause);
    }

    @Override
    public void shutdown() {
        synchronized (lock) {
            if (state.isTerminal()) return;
            if (state == ConnectionState.CONNECTING || state == ConnectionState.OPEN) {
                state = ConnectionState.CLOSING;
                closingReason = "shutdown() was called";
            }
            writes.drain();
        }
        changes.signal();
        writes.schedule();
        finishIfDone();
    }

    /**
     * Ends the connection at once; the finaliser runs, and the requests fail, on the calling thread (a body sink
     * hears its end from the reader).
     */
    @Override
    public void close() {
        close(new ConnectionClosedException("connection to " + endpoint + " closed by Connection.close()"));
    }

    /** Closes with a reason of the caller's, e.g. the factory being closed. */
    void close(ConnectionClosedException reason) {
        terminate(ConnectionState.CLOSED, reason, null, null, null);
    }

    @Override
    public boolean isClosed() {
        return !state.acceptsRequests();
    }

    @Override
    public int length() {
        synchronized (lock) {
            return pipeline.waitingCount() + pipeline.inFlightCount() + termination.pending();
        }
    }

    @Override
    public CompletionStage<Void> nextChange() {
        synchronized (lock) {
            if (termination.isOver()) return CompletableFuture.completedFuture(null);
            return changes.next();
        }
    }

    @Override
    public CompletionStage<Void> closed() {
        return termination.closed();
    }

    @Override
    public ConnectionState state() {
        return state;
    }

    @Override
    public boolean isPipelining() {
        synchronized (lock) {
            return pipeline.mode() == Pipeline.Mode.PIPELINED;
        }
    }

    /** Writer statistics, for tests and the console: socket write calls and bytes so far. */
    long[] writeStats() {
        return writes.stats();
    }

    // ------------------------------------------------------------------------------------------ the write side's reports

    /**
     * A request could not be written and none of its bytes were: it fails alone (e.g. a body of unknown
     * length too large to buffer), the connection goes on.
     */
    void failedAlone(Exchange<?> e, PipelaneException cause) {
        synchronized (lock) {
            if (!pipeline.remove(e)) return;
        }
        e.fail(delivery, cause);
        changes.signal();
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
        changes.signal();
        finishIfDone();
    }

    /**
     * Writing failed: nothing more is written. The requests never sent fail now as {@link RetryException}s (and
     * {@code victim}, whose own body failed, with {@code cause}); the reader goes on, so responses that arrive
     * complete are delivered, and the connection ends when the input does or nothing is left in flight.
     */
    void writingFailed(Throwable cause, Exchange<?> victim) {
        stopWriting(cause, victim, false);
    }

    /**
     * A write made no progress for {@link ConnectionOptions#writeTimeout()} (a socket write the server does not
     * read, or a request body's {@code writeTo} that stalled): writing stops as after a failed write, except that
     * {@code victim}, the request being written, fails now, classified as unanswered with the timeout as its cause
     * ({@link Failures#classify}: possibly processed unless it is idempotent or none of it was sent), and that the
     * output is shut ({@link Transport#abortOutput}), which makes the blocked write fail and tells the server
     * nothing more comes. The reader goes on: the responses to the requests written before arrive and are
     * delivered, each bounded by the read timeouts.
     */
    private void writeTimedOut(Expiry x) {
        stopWriting(x.cause(), x.victim(), true);
    }

    /**
     * Stops writing, once: the requests never sent fail now ({@link RetryException}); {@code victim} fails with
     * {@code cause} itself (its own body failed) or, after a write timeout ({@code timedOut}), as
     * {@link Failures#classify} says, the output being shut first, so that none of its bytes go out once its
     * caller has learned its fate; the requests written before stay in flight for their responses.
     */
    private void stopWriting(Throwable cause, Exchange<?> victim, boolean timedOut) {
        WriteSide.Stopped stopped;
        boolean nothingInFlight;
        synchronized (lock) {
            if (state.isTerminal()) return;
            stopped = writes.stop(cause, victim, timedOut);
            if (stopped == null) return;
            failure = cause;
            if (state.acceptsRequests()) state = ConnectionState.CLOSING;
            nothingInFlight = pipeline.inFlightCount() == 0;
        }
        LOG.log(System.Logger.Level.DEBUG, () -> this + " stopped writing: " + cause);
        if (stopped.toShut() != null) stopped.toShut().abortOutput();
        for (Exchange<?> e : stopped.unsent()) {
            e.fail(delivery, e == stopped.victim() ? stopped.victimOutcome()
                    : Failures.notSent(e, "writing to " + endpoint + " failed", cause));
        }
        changes.signal();
        if (nothingInFlight) terminate(ConnectionState.FAILED, cause, null);
    }

    /** Why the connection failed or closed, once it has ended (null before, or while only closing). */
    Throwable failure() {
        synchronized (lock) {
            return failure;
        }
    }

    /** When writing stopped on a failure (System.nanoTime), 0 while it has not. */
    long writingStoppedAt() {
        return writes.stoppedAt();
    }

    // ------------------------------------------------------------------------------------------ reader side

    /** Whether no request is written and unanswered, nor waiting to be written. */
    boolean isIdle() {
        synchronized (lock) {
            return pipeline.inFlightCount() == 0 && pipeline.waitingCount() == 0;
        }
    }

    /** Bytes of read and write buffers the connection holds now, for tests. */
    int bufferBytes() {
        ResponseReader r = readerTask.reader();
        synchronized (lock) {
            return writes.bufferBytes() + (r == null ? 0 : r.heldBufferBytes());
        }
    }

    /** Whether the reader waits with nothing expected (in a read, or parked), for tests. */
    boolean isWaitingIdle() {
        ResponseReader r = readerTask.reader();
        return r != null && r.isReadingIdle() || isParked();
    }

    /**
     * On the reader thread, before it parks ({@link ReaderTask#park}): whether the connection is open and idle; if
     * it is, the writer's batch array goes.
     */
    boolean idleForParking() {
        synchronized (lock) {
            if (state != ConnectionState.OPEN || pipeline.inFlightCount() != 0 || pipeline.waitingCount() != 0) {
                return false;
            }
            writes.releaseIdleBuffer();
            return true;
        }
    }

    /** Whether the reader is parked in the idle selector, for tests. */
    boolean isParked() {
        return readerTask.isParked();
    }

    /** Waits (bounded) until the reader is parked, for tests; returns whether it is. */
    boolean awaitParked(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
        return readerTask.awaitParked(timeout, unit);
    }

    /** The exchange whose response comes next, or null if nothing is in flight. */
    Exchange<?> currentExchange() {
        synchronized (lock) {
            return pipeline.current();
        }
    }

    /**
     * The final head of {@code e}'s response has arrived. Decides persistence (AUTO), lifts the non-idempotent
     * gate, and handles a server that closes after this response. False if the connection has ended meanwhile.
     *
     * @param keepAlive  whether the connection may carry further responses (RFC 9112 §9.3)
     * @param closeToken whether the response carried {@code Connection: close} (requests written after it were
     *                   not processed)
     */
    boolean finalHead(Exchange<?> e, ResponseHead head, boolean keepAlive, boolean closeToken) {
        CompletableFuture<Void> changed = null;
        PipelineWriter writerToStart;
        boolean decidedNow;
        synchronized (lock) {
            if (state.isTerminal() || pipeline.current() != e) return false;
            e.to(Exchange.Stage.RECEIVING); // from now on its failure is "response cut short"
            pipeline.headArrived(e);
            decidedNow = pipeline.mode() == Pipeline.Mode.UNDECIDED;
            pipeline.decide(keepAlive && head.version() == HttpVersion.HTTP_1_1);
            if (!keepAlive) {
                writes.finish();
                if (state.acceptsRequests()) {
                    state = ConnectionState.CLOSING;
                    closingReason = "the response to " + e.request + " ended persistence"
                            + (closeToken ? " (Connection: close)" : "");
                }
                if (closeToken) pipeline.markUnprocessedBehind(e);
                changed = changes.take();
            }
            // Rarely anything: a lifted gate or the first response deciding persistence. The writer task takes
            // it: the reader may block in a streamed body's sink before this read is dispatched.
            writerToStart = writes.claim();
        }
        if (decidedNow) events.persistenceDecided(head, keepAlive, closeToken);
        e.reportHead(head);
        changes.complete(changed);
        writes.handOff(writerToStart);
        return true;
    }

    /** {@code e}'s handler or sink failed: the rest of its body is dropped. False if it has ended already. */
    boolean discardBody(Exchange<?> e) {
        synchronized (lock) {
            if (e.stage() != Exchange.Stage.RECEIVING) return false;
            e.to(Exchange.Stage.DISCARDING);
            return true;
        }
    }

    /**
     * {@code e}'s response is complete: takes it off the in-flight queue, signals the change of length and
     * starts the writer if the pipeline has room again. False if the connection ended meanwhile (then the
     * exchange was already failed by {@link #terminate}).
     */
    boolean responseComplete(Exchange<?> e) {
        CompletableFuture<Void> changed;
        synchronized (lock) {
            if (!pipeline.completeCurrent(e)) return false;
            changed = changes.take();
        }
        changes.complete(changed); // the room it frees is used once the read is dispatched (readDispatched)
        return true;
    }

    /**
     * The reader has handed on every response of one read: what the freed room (and the requests made meanwhile)
     * lets through goes out now, in one write, from the reader thread when it cannot block.
     */
    void readDispatched() {
        writes.schedule();
    }

    /** After a response was delivered: a connection that writes nothing more ends with its last response. */
    void afterResponse() {
        if (writes.writing() != Writing.OPEN) finishIfDone();
    }

    /** The server closed its side between responses (the reader task's report). */
    void inputEnded() {
        boolean idle;
        synchronized (lock) {
            idle = pipeline.inFlightCount() == 0
                    && (pipeline.waitingCount() == 0 || writes.writing() == Writing.FINISHED);
        }
        terminate(idle ? ConnectionState.CLOSED : ConnectionState.FAILED,
                new ConnectionClosedException("the server closed the connection to " + endpoint), null,
                CloseReason.SERVER_CLOSED);
    }

    /** A response arrived with no request outstanding (an unsolicited 408, say): close, fail nothing unsent. */
    void unsolicitedResponse(ResponseHead head) {
        terminate(ConnectionState.CLOSED, new ConnectionClosedException("unsolicited " + head.status()
                + " response from " + endpoint + " with no request outstanding"), null, CloseReason.SERVER_CLOSED);
    }

    // ------------------------------------------------------------------------------------------ ending

    private void finishIfDone() {
        boolean done;
        Writing w;
        Throwable cause;
        String reason;
        synchronized (lock) {
            w = writes.writing();
            cause = failure;
            reason = closingReason;
            boolean idle = pipeline.waitingCount() == 0 && pipeline.inFlightCount() == 0;
            done = w == Writing.STOPPED ? idle : idle && writes.wroteAll()
                    && (state == ConnectionState.CLOSING || state == ConnectionState.HALF_CLOSED);
        }
        if (!done) return;
        if (w == Writing.STOPPED) {
            terminate(ConnectionState.FAILED, cause, null);
        } else {
            terminate(ConnectionState.CLOSED, new ConnectionClosedException("connection to " + endpoint
                    + " closed after its last request" + (reason == null ? "" : ": " + reason)), null,
                    CloseReason.COMPLETED);
        }
    }

    /**
     * Ends the connection, once: closes the transport and takes the outstanding requests, classifying each now
     * ({@link Failures#classify}); then, on the executor, completes the stages the application waits on, runs the
     * finaliser, and fails the requests and completes {@link #closed()} when the finaliser's stage completes (or
     * its timeout passes, see {@link #checkTimeouts}). Runs no application code itself, so the watchdog may call it.
     *
     * @param cause  why the connection ended
     * @param victim the request that fails with {@code cause} itself (a malformed response, a streamed body left
     *               unread), or null: a timeout of the connection's is classified like any other end
     */
    void terminate(ConnectionState finalState, Throwable cause, Exchange<?> victim) {
        terminate(finalState, cause, victim, delivery, null);
    }

    /** {@link #terminate(ConnectionState, Throwable, Exchange)} with the reason the listeners are told. */
    void terminate(ConnectionState finalState, Throwable cause, Exchange<?> victim, CloseReason reason) {
        terminate(finalState, cause, victim, delivery, reason);
    }

    /**
     * {@link #terminate(ConnectionState, Throwable, Exchange)} whose application side runs on {@code finisher}, or
     * on the calling thread when it is null (an application thread: {@link #close()}); {@code reason} tells the
     * listeners why (null: derived from {@code cause}).
     */
    private void terminate(ConnectionState finalState, Throwable cause, Exchange<?> victim, Delivery finisher,
                           CloseReason reason) {
        List<Exchange<?>> outstanding;
        Transport t;
        Closeable c;
        ResponseReader r;
        synchronized (lock) {
            if (state.isTerminal()) return;
            state = finalState;
            if (failure == null || finalState == ConnectionState.FAILED) failure = cause;
            outstanding = pipeline.takeAll();
            WriteSide.Outcomes outcomes = writes.classify(outstanding, victim, cause);
            for (int i = 0; i < outstanding.size(); i++) {
                Exchange<?> e = outstanding.get(i);
                e.endWith(outcomes.failures()[i]);
                e.to(Exchange.Stage.ENDED);
            }
            endState = finalState;
            endReason = reason;
            endCause = cause;
            termination.begin(outstanding, outcomes.failures(), outcomes.ifNotSent());
            t = transport;
            c = connecting;
            r = readerTask.reader();
        }
        if (t != null) t.close();
        readerTask.closeParking(); // after the transport: a parked channel is released by the selector
        if (c != null) closeQuietly(c);
        if (r != null) r.stop(); // a sink the reader is blocked in is interrupted; it hears its end from the reader
        onTerminated.accept(this);
        if (finalState == ConnectionState.FAILED) {
            LOG.log(System.Logger.Level.DEBUG, () -> this + " failed: " + cause);
        }
        if (finisher == null) finish(cause);
        else finisher.submit("the finaliser", () -> finish(cause));
    }

    /** The application's side of the ending, through the delivery: see {@link #terminate}. */
    private void finish(Throwable cause) {
        connected.completeExceptionally(cause);
        changes.signal(); // the state changed: observers learn it now, not after the finaliser
        termination.runFinaliser();
    }

    /** The requests have failed and closed() completes: the watchdog has nothing left to watch. */
    void ended() {
        watchdog.deregister(this);
        changes.signal();
        ConnectionState endedAs;
        CloseReason why;
        Throwable cause;
        long requests;
        synchronized (lock) {
            endedAs = endState;
            why = endReason;
            cause = endCause;
            requests = accepted;
        }
        events.closed(endedAs, cause, why, requests); // after every request's outcome
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }

    // ------------------------------------------------------------------------------------------ timeouts

    /** Called by the watchdog: ends the connection if a deadline passed. Runs no application code. */
    @Override
    public void checkTimeouts(long now) {
        delivery.checkStuck(now);
        if (state.isTerminal()) {
            termination.checkOverdue(now);
            return;
        }
        ConnectDeadlines.ConnectPhase phase = connectDeadlines.phase();
        if (phase != ConnectDeadlines.ConnectPhase.DONE) {
            Expiry x = connectDeadlines.expired(phase, now, options, endpoint);
            if (x != null) expire(x);
            return;
        }
        releaseIdleBuffers(now);
        Expiry x = writes.expired(now);
        if (x != null) {
            writeTimedOut(x);
            return;
        }
        ResponseReader r = readerTask.reader();
        x = r == null ? null : r.expired(now);
        if (x != null) expire(x);
    }

    /**
     * A connection idle for {@link ReadBuffers#RELEASE_IDLE_BUFFER_NANOS} keeps only small buffers: the reader's
     * busy buffer and the writer's batch array go (they come back, from their first size, when needed).
     */
    private void releaseIdleBuffers(long now) {
        ResponseReader r = readerTask.reader();
        if (r == null || !r.releaseIdleBuffer(now)) return;
        synchronized (lock) {
            writes.releaseIdleBuffer();
        }
    }

    private void expire(Expiry x) {
        terminate(ConnectionState.FAILED, x.cause(), x.victim());
    }

    @Override
    public String toString() {
        return "Connection#" + id + "[" + endpoint + ", " + state + "]";
    }

    long id() {
        return id;
    }
}
