/**
 * Pipelane: pipelined HTTP/1.1 client connections.
 *
 * <p>The model is that of a single, possibly pipelined, HTTP/1.1 connection ({@link io.pipelane.Connection}),
 * obtained from a {@link io.pipelane.ConnectionFactory}. Requests are queued with
 * {@link io.pipelane.Connection#call(Request, BodyHandler)}; they are written back to back (when the
 * connection pipelines) and their responses complete strictly in request order.
 *
 * <h2>Failures and retries</h2>
 * Every failed request says whether it is safe to send again:
 * <ul>
 *   <li>{@link io.pipelane.RetryException}: the server did not process the request (it was never written,
 *       or it was written after a response that carried {@code Connection: close}), or the request is
 *       idempotent (RFC 9110 §9.2.2). Sending it again on another connection is safe.</li>
 *   <li>{@link io.pipelane.PossiblyProcessedException}: the request was written but the connection ended
 *       before its response; the server may have acted on it.</li>
 * </ul>
 * The reason the connection ended is the exception's cause: a {@link io.pipelane.PipelaneTimeoutException}
 * (a read or write timeout ends a connection like a FIN: the request that waited is classified like the others),
 * a {@link io.pipelane.MalformedResponseException}, an {@link java.io.IOException} from the socket, or
 * {@link io.pipelane.ConnectionClosedException} when the application closed the connection.
 *
 * <h2>Threads</h2>
 * Nothing in this package blocks the caller: {@code call}, {@code shutdown}, {@code close}, {@code isClosed},
 * {@code length} and {@code nextChange} may be called from any thread at any time. The futures returned by
 * {@code call} are completed on the connection's reader thread: dependent stages registered without
 * {@code *Async} run there and hold up the responses behind them, so hand slow work to an executor.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.pipelane;
