package io.pipelane;

/**
 * What a {@link ConnectionCache} did for one endpoint: a snapshot, taken by {@link ConnectionCache#metrics()}.
 * The counters ({@code requests}, {@code completed}, {@code retries}, {@code failures},
 * {@code connectionsOpened}, {@code replaced}) count from the endpoint's first request; the others are current
 * values. An endpoint with no connection and nothing to do for {@link CacheOptions#keep()} is forgotten (its
 * metrics, and its learned limit, go with it) and starts afresh at its next request.
 *
 * @param key               the endpoint's name for a named endpoint, else its URI ({@link Endpoint#toUri()})
 * @param endpoint          the endpoint; {@code null} for a named endpoint no connection was opened to yet
 * @param connections       connections open now (connecting and closing ones included)
 * @param idleConnections   open connections with nothing to do
 * @param inFlight          requests accepted by the cache and not yet complete (waiting ones included)
 * @param waiting           requests waiting for a connection with room
 * @param requests          requests accepted
 * @param completed         requests answered with a response
 * @param retries           times a request was sent again after a {@link RetryException}
 * @param failures          requests that failed for the caller
 * @param connectionsOpened connections opened (or attempted)
 * @param replaced          times a request the server certainly did not process (refused, never written, or
 *                          written behind a response with {@code Connection: close}) was placed on another
 *                          connection without counting as a retry
 * @param learnedLimit      the requests per connection after which the server was seen to close with requests
 *                          behind the close; later connections take at most that many. 0 while none was seen
 */
public record CacheMetrics(String key, Endpoint endpoint, int connections, int idleConnections, int inFlight,
                           int waiting, long requests, long completed, long retries, long failures,
                           long connectionsOpened, long replaced,
                           int learnedLimit) {
}
