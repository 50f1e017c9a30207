package io.pipelane.internal.engine;

import io.pipelane.BodyHandler;
import io.pipelane.BodySink;
import io.pipelane.Headers;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.ResponseHead;

import io.pipelane.internal.event.ConnectionEvents;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;

/**
 * One request and its response on a connection.
 *
 * <h2>Lifecycle ({@link Stage})</h2>
 * <ol>
 *   <li>{@code QUEUED}: accepted by {@code call}, in the connection's waiting queue.</li>
 *   <li>{@code TAKEN}: the writer took it (now in the in-flight queue); none of its bytes reached the socket.</li>
 *   <li>{@code SENT}: a socket write that includes its first bytes has started.</li>
 *   <li>{@code UNPROCESSED}: it was taken or written behind a response with {@code Connection: close}, so the
 *       server will not process it (RFC 9112 §9.6).</li>
 *   <li>{@code RECEIVING}: its final response head arrived; the body goes to its sink.</li>
 *   <li>{@code DISCARDING}: its final head arrived but its handler or sink failed; the rest of the body is read
 *       and dropped so that the pipeline goes on.</li>
 *   <li>{@code ENDED}: its response is complete or it failed; its outcome is decided.</li>
 * </ol>
 * <pre>
 *   QUEUED ─► TAKEN ─► SENT ─────► RECEIVING ─► DISCARDING
 *     │         │  ╲       │ ╲             │              │
 *     │         ├───╲──────┴──╰─► UNPROCESSED             │
 *     │         │    ╰─────┼───────────────┤              │
 *     ╰─────────┴──────────┴────────┴──────┴──────────────┴──► ENDED
 * </pre>
 * The time its last byte went into the writer's batch is {@link #writtenAt} (for the response timeout). The stage
 * is read and changed under the connection's lock only; {@link #to} checks every transition. The response future
 * is completed once, through the connection's {@link Delivery} (never on the reader or the watchdog thread:
 * completing a future runs the application's dependent stages). Its body sink is called on the reader thread
 * only, as {@link BodySink} promises: when the connection ends, the reader tells the sink its end
 * ({@link #tellSinkItsEnd}) once it stops; {@link #fail} never touches the sink.
 */
final class Exchange<T> implements Delivery.Completion, BiConsumer<T, Throwable> {
    /** What the application has of the response: nothing yet, or the response (a streamed body still arriving). */
    enum Handed { NOTHING, RESPONSE }

    enum Stage {
        QUEUED, TAKEN, SENT, UNPROCESSED, RECEIVING, DISCARDING, ENDED;

        boolean allows(Stage next) {
            switch (this) {
                case QUEUED: return next == TAKEN || next == ENDED;
                case TAKEN: return next == SENT || next == UNPROCESSED || next == RECEIVING || next == ENDED;
                case SENT: return next == UNPROCESSED || next == RECEIVING || next == ENDED;
                case UNPROCESSED: return next == ENDED;
                case RECEIVING: return next == DISCARDING || next == ENDED;
                case DISCARDING: return next == ENDED;
                default: return false;
            }
        }

        /** Whether the final head of its response has arrived. */
        boolean hasHead() {
            return this == RECEIVING || this == DISCARDING;
        }

        /** Whether any of its bytes may have reached the server. */
        boolean mayHaveBeenSent() {
            return this != QUEUED && this != TAKEN;
        }
    }

    final Request request;
    final BodyHandler<T> handler;
    final CompletableFuture<Response<T>> future = new CompletableFuture<>();
    private final ConnectionEvents events;
    /** When the connection accepted it (System.nanoTime). */
    private final long queuedAt = System.nanoTime();
    /** Its place on the connection, from 1; set under the connection's lock by call(). */
    long sequence;
    /** Body bytes read so far (decoded), and the final status once its head arrived; reader thread only. */
    long bodyBytes;
    private int status;
    /** 1 once its outcome (completed or failed) was reported to the listeners. */
    private volatile int reported;
    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<Exchange> REPORTED =
            AtomicIntegerFieldUpdater.newUpdater(Exchange.class, "reported");

    /** Guarded by the connection's lock. */
    private Stage stage = Stage.QUEUED;
    /** Request bytes (head and body) counted towards maxBytesInFlight; guarded by the connection's lock. */
    int wireBytes;
    /** When the request was fully handed to the socket (System.nanoTime), 0 before. */
    volatile long writtenAt;
    /** What the application has been handed; volatile: set on the reader thread, read when classifying. */
    private volatile Handed delivery = Handed.NOTHING;
    /** The body sink, once the final head has arrived. Used by the reader thread only. */
    BodySink<T> sink;
    /** Set by {@link #open}, for {@link #accept}: the final head and where the response is completed. */
    private ResponseHead openHead;
    private Delivery openedOn;
    /** The response, between {@link #accept} and {@link #complete} (which the delivery runs). */
    private Response<T> response;
    /** Whether the sink was told its end ({@code onComplete} or {@code onError}): it is told once. */
    private boolean sinkEnded;
    /** Set by the reader before it tells the sink the body is complete: a body value from then on is its end. */
    private volatile boolean bodyEnded;
    /** Its failure as decided when the connection ended (set once, under the connection's lock), else null. */
    private volatile Throwable endedWith;
    /** Guarded by this: the trailers once the response is complete, and the stage of a streamed body's response. */
    private Headers trailerFields;
    private CompletableFuture<Headers> pendingTrailers;

    private static final CompletionStage<Headers> NO_TRAILERS =
            CompletableFuture.completedFuture(Headers.empty()).minimalCompletionStage();

    Exchange(Request request, BodyHandler<T> handler, ConnectionEvents events) {
        this.request = request;
        this.handler = handler;
        this.events = events;
    }

    /** Reports the request accepted. */
    void reportQueued() {
        events.queued(request, sequence);
    }

    /** Reports the request wholly written ({@code bytes} on the wire). */
    void reportWritten(long bytes) {
        events.written(request, sequence, bytes);
    }

    /** Reports the final head. */
    void reportHead(ResponseHead head) {
        status = head.status();
        events.head(request, sequence, head, writtenAt);
    }

    /**
     * Reports the response complete, unless it was reported failed: called once its sink accepted the body's end
     * (the reader, after {@code onComplete} returned; for a buffered body, as its value completes, so before the
     * application can see the response).
     */
    void reportCompleted() {
        if (REPORTED.compareAndSet(this, 0, 1)) events.completed(request, sequence, status, bodyBytes, queuedAt);
    }

    private void reportFailed(Throwable cause) {
        if (REPORTED.compareAndSet(this, 0, 1)) events.failed(request, sequence, cause, queuedAt);
    }

    /** The stage; under the connection's lock. */
    Stage stage() {
        return stage;
    }

    /** Moves to {@code next}; under the connection's lock. */
    void to(Stage next) {
        if (!stage.allows(next)) {
            throw new IllegalStateException(request + ": no transition from " + stage + " to " + next);
        }
        stage = next;
    }

    /**
     * Wires the sink's body value to the response future. Called by the reader with the final head. A buffered
     * body completes after {@link #trailersArrived}, so its response gets its trailers as a completed stage; a
     * streamed body completes at once, and its trailers come later. The future completes on {@code executor}.
     */
    void open(ResponseHead head, BodySink<T> sink, Delivery executor) {
        this.sink = sink;
        this.openHead = head;
        this.openedOn = executor;
        sink.body().whenComplete(this); // the exchange is the callback: nothing allocated for it per response
    }

    /**
     * The sink's body value (or its failure), on the thread that completed it: the response is handed to the
     * delivery, which runs {@link #complete} (this exchange is the queued completion). Once per exchange.
     */
    @Override
    public void accept(T body, Throwable error) {
        if (error != null) {
            fail(openedOn, unwrap(error)); // the sink failed its own body: it needs no telling
            return;
        }
        boolean buffered = bodyEnded; // else a streamed body: the application reads it while the reader goes on
        if (buffered) reportCompleted(); // a buffered body: its sink accepted the end
        response = new Response<>(request, openHead, body, trailersStage());
        delivery = Handed.RESPONSE;
        if (buffered) openedOn.submit(this);
        else openedOn.submitNow(this);
    }

    /** Run by the delivery: completes the response future with the response {@link #accept} made. */
    @Override
    public void complete() {
        future.complete(response);
    }

    /**
     * The sink, to be told its end, or null when there is none or it was told already: a sink hears
     * {@code onComplete} or {@code onError} once, though the reader, a close and the sink's own failed body may
     * all end the exchange.
     */
    synchronized BodySink<T> endSink() {
        if (sinkEnded || sink == null) return null;
        sinkEnded = true;
        return sink;
    }

    /** {@link #endSink()} for the reader, which tells the sink the body is complete. */
    BodySink<T> completeSink() {
        BodySink<T> s = endSink();
        if (s != null) bodyEnded = true;
        return s;
    }

    /** Whether the response was handed to the application (a streamed body: before the body is complete). */
    boolean delivered() {
        return delivery == Handed.RESPONSE;
    }

    /** Called by the reader when the response is complete, before the sink is told. */
    void trailersArrived(Headers trailers) {
        CompletableFuture<Headers> pending;
        synchronized (this) {
            trailerFields = trailers;
            pending = pendingTrailers;
        }
        if (pending != null) pending.complete(trailers);
    }

    private synchronized CompletionStage<Headers> trailersStage() {
        if (trailerFields != null) {
            return trailerFields.isEmpty() ? NO_TRAILERS : CompletableFuture.completedFuture(trailerFields);
        }
        if (pendingTrailers == null) pendingTrailers = new CompletableFuture<>();
        return pendingTrailers;
    }

    /** The connection ended: {@code failure} is how this request fails. Under the connection's lock. */
    void endWith(Throwable failure) {
        if (endedWith == null) endedWith = failure;
    }

    /**
     * On the reader thread, once it has stopped: tells a sink not yet told its end {@code onError}, with the failure
     * decided when the connection ended ({@code connectionFailure} if none was).
     */
    void tellSinkItsEnd(Throwable connectionFailure) {
        Throwable cause = endedWith != null ? endedWith : connectionFailure;
        BodySink<T> s = endSink();
        if (s == null || cause == null) return;
        try {
            s.onError(cause);
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * On the reader thread: fails the response and tells its body sink, if any, {@code onError}. See {@link #fail}.
     */
    void failOn(Delivery executor, Throwable cause) {
        reportFailed(cause);
        BodySink<T> s = endSink();
        if (s != null) {
            try {
                s.onError(cause);
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
        fail(executor, cause);
    }

    /**
     * Fails the response, completing the future on {@code executor} (or on this thread when null), but not its body
     * sink, which only the reader thread calls. Safe to call more than once: the first outcome wins. Once the
     * response was delivered (a streamed body), its outcome is the response: the failure reaches the application
     * through the body stream (told by the reader) and the trailers.
     */
    void fail(Delivery executor, Throwable cause) {
        reportFailed(cause);
        CompletableFuture<Headers> pending;
        synchronized (this) {
            pending = pendingTrailers;
        }
        boolean delivered = delivered();
        if (delivered && pending == null) return;
        Runnable fail = () -> {
            if (!delivered) future.completeExceptionally(cause);
            if (pending != null) pending.completeExceptionally(cause);
        };
        if (executor == null) fail.run();
        else executor.submit(this, fail);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    @Override
    public String toString() {
        return request.toString();
    }
}
