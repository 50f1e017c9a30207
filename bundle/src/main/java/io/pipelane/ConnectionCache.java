package io.pipelane;

import io.pipelane.internal.cache.PipelaneConnectionCache;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Sends requests to endpoints over connections it opens, reuses, spreads and retries: cohttp-lwt's
 * {@code Connection_cache}, on top of {@link Connection}. Obtain one with {@link ConnectionFactory#cache} or
 * {@link #create}; it is thread-safe, and no method blocks.
 *
 * <h2>Choosing a connection</h2>
 * For each request, among the connections to its endpoint that still accept requests ({@link
 * Connection#isClosed()} false; a closed connection is never used and is removed once it ends):
 * <ol>
 *   <li>an idle one ({@link Connection#length()} 0);</li>
 *   <li>else a new one, while fewer than {@link CacheOptions#parallel()} exist; it is opened with
 *       {@link ConnectionFactory#connect} semantics, so an unreachable server fails the requests waiting for
 *       it at once (with {@link RetryException} whose cause says why) rather than leaving them hanging;</li>
 *   <li>else the shallowest one whose length is under {@link CacheOptions#depth()}; a connection that does not
 *       pipeline ({@link Connection#isPipelining()} false: under {@link Persistence#AUTO}, until its first
 *       response allowed it; an HTTP/1.0 server) takes one request at a time;</li>
 *   <li>else the request waits, in call order, until one of these applies, at most
 *       {@link CacheOptions#waitTimeout()}; then it fails with a {@link PipelaneTimeoutException} of phase
 *       {@link PipelaneTimeoutException.Phase#CACHE_WAIT}. At most {@link CacheOptions#maxWaiting()} wait: a call
 *       that finds the queue full fails at once, never sent.</li>
 * </ol>
 * A request never waits behind one made later to the same endpoint, and the requests given to one connection
 * reach it (and the wire) in the order {@code call} was made. A connection with nothing to do for
 * {@link CacheOptions#keep()} is shut down (the server sees it end); an endpoint with no connection and nothing to
 * do for {@code keep} is forgotten, its metrics with it.
 *
 * <h2>Servers' limits</h2>
 * A connection is given at most the requests its server allows: {@code Keep-Alive: max=N} on a response (N
 * from that response on, counted cautiously), or the count after which an earlier connection to the endpoint
 * was closed by the server ({@code Connection: close}) with requests placed behind it
 * ({@link CacheMetrics#learnedLimit()}). A connection that has had its last allowed request no longer counts
 * against {@code parallel}, so its successor opens while it finishes. An idle connection is shut down before the
 * server's announced {@code Keep-Alive: timeout}.
 *
 * <h2>Retries</h2>
 * A request the server certainly did not process ({@link RetryException#certainlyNotProcessed()}: refused by a
 * closing connection, never written, or written behind a response with {@code Connection: close}, as when a
 * server ends a connection after its limit of requests) is placed on another connection without counting as a
 * retry ({@link CacheMetrics#replaced()}), provided the connection it failed on answered at least one request:
 * the loop is bounded by progress, so a server that answers nothing still ends in a failure. Any other
 * {@link RetryException} (idempotent and unanswered, after a reset or a read timeout, say, or on a connection that
 * answered nothing) is sent again on another connection up to {@link CacheOptions#retry()} times; then the caller
 * gets the {@link RetryException}. A request whose body is not {@linkplain RequestBody#isRepeatable() repeatable}
 * is not sent again (the caller gets the {@link RetryException} and may send it with a fresh body), except
 * when the connection refused it before touching it. A {@link PossiblyProcessedException} (a {@code POST} whose
 * response timed out, say) or any other failure goes to the caller as it is. After a connection failed, the next
 * new connection to that endpoint sends its first request alone (RFC 9112 §9.3.2: under {@link Persistence#AUTO}, the default, every
 * new connection does; a named endpoint's connections keep the persistence configured for it).
 *
 * <h2>Threads</h2>
 * As with {@link Connection#call}, the returned futures complete on a connection's reader thread (or on a
 * timer thread for a {@link PipelaneTimeoutException.Phase#CACHE_WAIT} timeout): hand slow work to an
 * executor.
 */
@org.osgi.annotation.versioning.ProviderType
public interface ConnectionCache extends AutoCloseable {

    /**
     * Sends {@code request} to {@code endpoint}, over a connection with {@link CacheOptions#connectionOptions()}
     * (else the factory's default options) and the proxy {@link CacheOptions#proxies()} selects.
     *
     * @throws NullPointerException if an argument is null
     */
    <T> CompletableFuture<Response<T>> call(Endpoint endpoint, Request request, BodyHandler<T> handler);

    /** {@link #call(Endpoint, Request, BodyHandler)} with the body buffered as bytes. */
    default CompletableFuture<Response<byte[]>> call(Endpoint endpoint, Request request) {
        return call(endpoint, request, BodyHandlers.ofByteArray());
    }

    /**
     * Sends {@code request} to the endpoint configured under {@code endpointName} in the factory, with that
     * endpoint's options (and proxy). The cache options are those given for that name, else the cache's
     * defaults. If no such endpoint is configured when a connection must be opened, the future fails with an
     * {@link UnknownEndpointException}.
     *
     * @throws NullPointerException if an argument is null
     */
    <T> CompletableFuture<Response<T>> call(String endpointName, Request request, BodyHandler<T> handler);

    /** {@link #call(String, Request, BodyHandler)} with the body buffered as bytes. */
    default CompletableFuture<Response<byte[]>> call(String endpointName, Request request) {
        return call(endpointName, request, BodyHandlers.ofByteArray());
    }

    /** The options for endpoints without options of their own. */
    CacheOptions options();

    /** A snapshot of the metrics of every endpoint the cache has sent requests to, in first-use order. */
    List<CacheMetrics> metrics();

    /**
     * The connections open now, per endpoint (keyed like {@link CacheMetrics#key()}), oldest first. They are
     * the cache's: use them to look, not to send requests or close them.
     */
    Map<String, List<Connection>> connections();

    /**
     * Closes every connection of the cache at once (their outstanding requests fail as {@link Connection#close()}
     * says) and fails the requests waiting for room with {@link RetryException}. Later calls fail with
     * {@link RetryException}. Idempotent. Closing the factory closes the cache's connections too.
     */
    @Override
    void close();

    /**
     * A cache over {@code factory}'s connections.
     *
     * @param defaults         the options of endpoints without their own
     * @param endpointOptions  options per endpoint name, for {@link #call(String, Request, BodyHandler)}
     */
    static ConnectionCache create(ConnectionFactory factory, CacheOptions defaults,
                                  Map<String, CacheOptions> endpointOptions) {
        return new PipelaneConnectionCache(factory, defaults, endpointOptions);
    }
}
