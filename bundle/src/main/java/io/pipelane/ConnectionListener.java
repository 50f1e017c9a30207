package io.pipelane;

/**
 * Observes what connections and caches do, one event at a time, in the spirit of OkHttp's
 * {@code EventListener}: implement the methods you care about; the others do nothing.
 *
 * <h2>Registering</h2>
 * Outside OSGi, give listeners to {@link ConnectionFactoryBuilder#listener(ConnectionListener)}. In OSGi,
 * register a service of this type (the whiteboard pattern): every listener service receives the events of the
 * Pipelane bundle's connections from the moment it is registered until it is unregistered. The optional service
 * property {@value #ENDPOINTS_PROPERTY} ({@code String} or {@code String[]}) restricts it to the named endpoints
 * (an event's {@link ConnectionEvent#endpoint()}; an endpoint given as an {@link Endpoint} is named by its URI).
 *
 * <h2>Threads, ordering, and what a listener cannot break</h2>
 * Each listener has its own delivery thread ({@code pipelane-listener-N}, after the factory's
 * {@link ConnectionFactoryBuilder#threadNamePrefix threadNamePrefix}) and a bounded queue (8192 events).
 * The connections' I/O threads, the watchdog and the application threads only put events into that queue and
 * never wait for the listener, so:
 * <ul>
 *   <li>methods are called on that one thread, one at a time, in the order the events happened: a request's
 *       events come queued, written, head, then complete or failed; a connection's closed event comes after
 *       every event of its requests (requests may be queued before the connection is opened); never on an I/O or
 *       application thread;</li>
 *   <li>a slow listener never slows a connection: when its queue is full, new events for it are dropped and
 *       counted (logged once, and shown by {@code pipelane:stats}); it catches up with the later ones;</li>
 *   <li>an exception thrown by a method is caught, counted and logged (the first one with its stack trace); the
 *       listener keeps receiving events, and nothing else notices.</li>
 * </ul>
 * When no listener is registered no event object is built: the connections pay one volatile read per event
 * site. When a listener is removed (its service unregistered), events still queued for it are discarded; when
 * the factory closes, the listener receives what is queued (the connections' last events included), then its
 * thread ends.
 *
 * <p>Events carry the {@link Request} (and so its headers): a listener that logs them must mask what is secret.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface ConnectionListener {

    /**
     * The service property that restricts a whiteboard listener to endpoints: the names of configured endpoints
     * (or endpoint URIs), as a {@code String} or a {@code String[]}. Without it the listener sees every endpoint.
     */
    String ENDPOINTS_PROPERTY = "pipelane.endpoints";

    /** A connection is established (TCP connected, TLS handshake done). */
    default void connectionOpened(ConnectionEvent.ConnectionOpened event) {
    }

    /** A connection now knows whether it pipelines (at once for {@code TRUE}/{@code FALSE}, else from its first response). */
    default void persistenceDecided(ConnectionEvent.PersistenceDecided event) {
    }

    /** A connection accepted a request ({@link Connection#call}). */
    default void requestQueued(ConnectionEvent.RequestQueued event) {
    }

    /** A request was handed to the socket, body included. */
    default void requestWritten(ConnectionEvent.RequestWritten event) {
    }

    /** The final head of a request's response arrived (interim 1xx responses are not reported). */
    default void responseHead(ConnectionEvent.ResponseHeadReceived event) {
    }

    /**
     * A response was read to its end and its body sink accepted the end ({@link BodySink#onComplete} returned): the
     * caller gets the response. A sink that throws there makes it a {@link #requestFailed}, with that failure.
     */
    default void responseComplete(ConnectionEvent.ResponseCompleted event) {
    }

    /** A request failed for its caller on a connection (see {@link ConnectionEvent.FailureKind}). */
    default void requestFailed(ConnectionEvent.RequestFailed event) {
    }

    /** A {@link ConnectionCache} sent a request again (a retry), or placed it on another connection (a re-placement). */
    default void requestResent(ConnectionEvent.RequestResent event) {
    }

    /** A {@link ConnectionCache} learned a limit of a server (e.g. the requests it takes on one connection). */
    default void limitLearned(ConnectionEvent.LimitLearned event) {
    }

    /** A connection ended (every request it held has its outcome), or connecting failed. */
    default void connectionClosed(ConnectionEvent.ConnectionClosed event) {
    }
}
