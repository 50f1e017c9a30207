package io.pipelane;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One HTTP/1.1 connection, possibly pipelined: cohttp-lwt's {@code Connection}, in Java.
 *
 * <p>Obtain one from {@link ConnectionFactory#create} (usable at once; connecting goes on in the background)
 * or {@link ConnectionFactory#connect} (completes once established). Every method may be called from any
 * thread at any time; none blocks.
 *
 * <p>{@link #length()} counts the unfulfilled requests: those queued but not yet written, plus those written
 * and awaiting their complete response (a streamed body counts until it has been read to its end).
 */
@org.osgi.annotation.versioning.ProviderType
public interface Connection extends AutoCloseable {

    /** Where this connection goes. */
    Endpoint endpoint();

    /**
     * Queues a request and returns its response. Responses complete in request order.
     *
     * <p>When the connection pipelines, the request is written as soon as the pipeline has room
     * ({@link ConnectionOptions#maxPipelineDepth()}, {@link ConnectionOptions#maxBytesInFlight()}), without
     * waiting for the responses before it, except behind a request that is not idempotent, which is answered
     * first (unless {@link ConnectionOptions#pipelineAfterNonIdempotent()}).
     *
     * <p>If the connection no longer accepts requests ({@link #isClosed()}), the future fails at once with
     * {@link RetryException}. Otherwise it fails with {@link RetryException} or
     * {@link PossiblyProcessedException} if the connection ends before the response, as those classes
     * describe (a timeout that ends the connection is one such end: it is the cause, a
     * {@link PipelaneTimeoutException}); or with {@link MalformedResponseException} if the response is
     * malformed.
     *
     * <p>The returned future is the connection's: cancelling or completing it does not take the request back.
     *
     * @throws NullPointerException if an argument is null
     */
    <T> CompletableFuture<Response<T>> call(Request request, BodyHandler<T> handler);

    /** {@link #call(Request, BodyHandler)} with the body buffered as bytes. */
    default CompletableFuture<Response<byte[]>> call(Request request) {
        return call(request, BodyHandlers.ofByteArray());
    }

    /**
     * Queues several requests at once: what {@link #call(Request, BodyHandler)} of each, in order, does, with no
     * other caller's request between them, and with their writing started once for all of them. A caller that has
     * a batch of requests at hand gets them written together, in as few socket writes as the pipeline's limits
     * allow, where calls made one by one from one thread are each written as soon as they come (the first of them
     * alone, on a connection with nothing in flight).
     *
     * <p>Each request has its own future, in the order of {@code requests}, and its own outcome, as with
     * {@code call}: the requests this connection no longer accepts, or that find its queue full
     * ({@link ConnectionOptions#maxQueuedRequests()}), fail at once with {@link RetryException}, the others are
     * queued; under {@link Persistence#FALSE} the first is carried and the rest refused.
     *
     * @return the responses' futures, one per request, in order; a new list the caller may keep
     * @throws NullPointerException if an argument or one of the requests is null (then none is queued)
     */
    default <T> List<CompletableFuture<Response<T>>> callAll(List<Request> requests, BodyHandler<T> handler) {
        Objects.requireNonNull(handler, "handler");
        for (Request request : requests) Objects.requireNonNull(request, "request");
        List<CompletableFuture<Response<T>>> futures = new ArrayList<>(requests.size());
        for (Request request : requests) futures.add(call(request, handler));
        return futures;
    }

    /**
     * Stops accepting requests and closes gracefully: the requests already queued are still written, the
     * last of them with {@code Connection: close} (when it has not been written yet); after it, the write
     * side is shut (a TCP FIN; a TLS {@code close_notify}); responses are still read, and the connection
     * closes once the last one is complete. Idempotent; does nothing on a closed connection.
     *
     * <p>On TLS 1.2 and earlier the write side is not shut before the last response: there, a
     * {@code close_notify} obliges the server to close at once (RFC 5246 §7.2.1) and the responses still to come
     * would be lost; the connection stays {@link ConnectionState#CLOSING} and closes after the last response.
     */
    void shutdown();

    /**
     * Closes at once. Every outstanding request fails: with {@link RetryException} if it was never written
     * (or is idempotent), else with {@link PossiblyProcessedException}; the cause is a
     * {@link ConnectionClosedException}. Idempotent.
     */
    @Override
    void close();

    /**
     * Whether the connection no longer accepts new requests: after {@link #shutdown()}, {@link #close()}, a
     * failure, a response with {@code Connection: close}, a non-persistent first response under
     * {@link Persistence#AUTO}, or the one request of {@link Persistence#FALSE}.
     */
    boolean isClosed();

    /** The number of unfulfilled requests (see the class comment). */
    int length();

    /**
     * A stage that completes at the next change of {@link #length()} or of the state, and when the connection
     * closes: cohttp's {@code notify}, one-shot like a condition variable. On a closed connection it is
     * already complete.
     */
    CompletionStage<Void> nextChange();

    /**
     * A stage that completes once the connection has closed, the {@code finalise} callback has run and every
     * outstanding request has its outcome.
     */
    CompletionStage<Void> closed();

    /** The current state. */
    ConnectionState state();

    /**
     * Whether requests are written without waiting for the responses before them: {@code true} under
     * {@link Persistence#TRUE}, and under {@link Persistence#AUTO} once the first response allowed it.
     * It stays {@code true} once set, also after the connection closes, so that it tells how the connection ran.
     */
    boolean isPipelining();
}
