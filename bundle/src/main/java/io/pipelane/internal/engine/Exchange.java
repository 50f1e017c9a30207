package io.pipelane.internal.engine;

import io.pipelane.BodyHandler;
import io.pipelane.BodySink;
import io.pipelane.Headers;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.ResponseHead;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One request and its response on a connection. Created by {@code call}, moved from the connection's waiting
 * queue to its in-flight queue by the writer, and completed (or failed) exactly once.
 *
 * <p>Fields written by one thread and read by another are read under the connection's lock, or are volatile.
 */
final class Exchange<T> {
    final Request request;
    final BodyHandler<T> handler;
    final CompletableFuture<Response<T>> future = new CompletableFuture<>();

    /** Set by the writer, under the connection lock, just before the first byte of this request goes out. */
    boolean sent;
    /** Request bytes (head and body) written, for maxBytesInFlight; set under the connection lock. */
    int wireBytes;
    /** When the request was fully handed to the socket (System.nanoTime), 0 before. */
    volatile long writtenAt;
    /** Its response is complete; set under the connection lock. */
    boolean responded;
    /** Written after a response that carried Connection: close: the server will not process it. */
    boolean afterCloseResponse;
    /** Set by the reader once the final head has arrived. */
    volatile ResponseHead head;
    /** The body sink, once the final head has arrived. Used by the reader thread. */
    BodySink<T> sink;
    /** The sink failed with a recoverable error: the rest of the body is read and dropped. */
    boolean discardBody;
    /** Guarded by this: the trailers once the response is complete, and the stage of a streamed body's response. */
    private Headers trailerFields;
    private CompletableFuture<Headers> pendingTrailers;

    private static final CompletionStage<Headers> NO_TRAILERS =
            CompletableFuture.completedFuture(Headers.empty()).minimalCompletionStage();

    Exchange(Request request, BodyHandler<T> handler) {
        this.request = request;
        this.handler = handler;
    }

    /**
     * Wires the sink's body value to the response future. Called by the reader with the final head. A buffered
     * body completes after {@link #trailersArrived}, so its response gets its trailers as a completed stage; a
     * streamed body completes at once, and its trailers come later.
     */
    void open(ResponseHead head, BodySink<T> sink) {
        this.head = head;
        this.sink = sink;
        sink.body().whenComplete((body, error) -> {
            if (error != null) {
                future.completeExceptionally(unwrap(error));
            } else {
                future.complete(new Response<>(request, head, body, trailersStage()));
            }
        });
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

    /** Fails the response (and its body sink, if any). Safe to call more than once. */
    void fail(Throwable cause) {
        BodySink<T> s = sink;
        if (s != null) {
            try {
                s.onError(cause);
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
        future.completeExceptionally(cause);
        CompletableFuture<Headers> pending;
        synchronized (this) {
            pending = pendingTrailers;
        }
        if (pending != null) pending.completeExceptionally(cause);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    @Override
    public String toString() {
        return request.toString();
    }
}
