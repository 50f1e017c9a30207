package io.pipelane.internal.event;

import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionEvent;
import io.pipelane.ConnectionEvent.CloseReason;
import io.pipelane.ConnectionEvent.ConnectionId;
import io.pipelane.ConnectionEvent.PersistenceReason;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.HttpVersion;
import io.pipelane.MalformedResponseException;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.Request;
import io.pipelane.ResponseHead;

import java.time.Duration;

/**
 * The events of one connection, for the engine to report in one call per event site. Each method first checks
 * that someone listens (one volatile read) and builds nothing otherwise. Called by whichever thread the engine
 * runs the event on (reader, writer, watchdog, caller); it never blocks (see {@link EventBus#publish}).
 *
 * <p>Lifecycle: {@link #connecting} when the connection starts, {@link #handshaking} if TLS, {@link #opened}
 * once established, then the requests' events, last {@link #closed}. The time stamps it keeps are written by one
 * thread at a time, in that order.
 */
public final class ConnectionEvents {
    private final EventBus bus;
    private final ConnectionId id;
    private volatile long connectingAt;
    private volatile long handshakingAt;
    private volatile boolean established;

    public ConnectionEvents(EventBus bus, long connectionId, String endpointKey, Endpoint endpoint) {
        this.bus = bus;
        this.id = new ConnectionId(connectionId, endpointKey, endpoint);
    }

    public ConnectionId id() {
        return id;
    }

    /** Connecting starts (TCP, Unix socket, or a proxy). */
    public void connecting() {
        connectingAt = System.nanoTime();
    }

    /** The TLS handshake starts (TCP is connected). */
    public void handshaking() {
        handshakingAt = System.nanoTime();
    }

    /** Established; {@code transport} says how (e.g. the TLS protocol and cipher suite). */
    public void opened(String transport) {
        established = true;
        if (!bus.active()) return;
        long now = System.nanoTime();
        long hs = handshakingAt;
        long start = connectingAt == 0 ? now : connectingAt;
        Duration connect = Duration.ofNanos((hs != 0 ? hs : now) - start);
        Duration handshake = hs != 0 ? Duration.ofNanos(now - hs) : Duration.ZERO;
        bus.publish(new ConnectionEvent.ConnectionOpened(id, now, connect, handshake, transport));
    }

    /** Persistence was configured ({@code TRUE} or {@code FALSE}): decided before the first request. */
    public void persistenceConfigured(boolean pipelining) {
        if (!bus.active()) return;
        bus.publish(new ConnectionEvent.PersistenceDecided(id, System.nanoTime(), pipelining,
                pipelining ? PersistenceReason.CONFIGURED_TRUE : PersistenceReason.CONFIGURED_FALSE));
    }

    /**
     * The first response decided persistence ({@code AUTO}).
     *
     * @param keepAlive  whether the connection may carry further responses
     * @param closeToken whether the response carried {@code Connection: close}
     */
    public void persistenceDecided(ResponseHead head, boolean keepAlive, boolean closeToken) {
        if (!bus.active()) return;
        boolean http11 = head.version() == HttpVersion.HTTP_1_1;
        PersistenceReason why;
        if (closeToken) why = PersistenceReason.CONNECTION_CLOSE;
        else if (!http11) why = keepAlive ? PersistenceReason.HTTP_1_0_KEEP_ALIVE : PersistenceReason.HTTP_1_0;
        else why = keepAlive ? PersistenceReason.HTTP_1_1_KEEP_ALIVE : PersistenceReason.CLOSE_DELIMITED;
        bus.publish(new ConnectionEvent.PersistenceDecided(id, System.nanoTime(), keepAlive && http11, why));
    }

    /** The connection accepted its {@code sequence}-th request. */
    public void queued(Request request, long sequence) {
        if (!bus.active()) return;
        bus.publish(new ConnectionEvent.RequestQueued(id, System.nanoTime(), request, sequence));
    }

    /** A request is wholly handed to the socket: {@code bytes} on the wire. */
    public void written(Request request, long sequence, long bytes) {
        if (!bus.active()) return;
        bus.publish(new ConnectionEvent.RequestWritten(id, System.nanoTime(), request, sequence, bytes));
    }

    /** The final head arrived; {@code writtenAt} is when the request was written (System.nanoTime, 0 unknown). */
    public void head(Request request, long sequence, ResponseHead head, long writtenAt) {
        if (!bus.active()) return;
        long now = System.nanoTime();
        bus.publish(new ConnectionEvent.ResponseHeadReceived(id, now, request, sequence, head,
                writtenAt == 0 ? Duration.ZERO : Duration.ofNanos(Math.max(0, now - writtenAt))));
    }

    /** The response is read to its end; {@code queuedAt} is when the connection accepted the request. */
    public void completed(Request request, long sequence, int status, long bodyBytes, long queuedAt) {
        if (!bus.active()) return;
        long now = System.nanoTime();
        bus.publish(new ConnectionEvent.ResponseCompleted(id, now, request, sequence, status, bodyBytes,
                Duration.ofNanos(Math.max(0, now - queuedAt))));
    }

    /** The request failed for its caller with {@code error}. */
    public void failed(Request request, long sequence, Throwable error, long queuedAt) {
        if (!bus.active()) return;
        long now = System.nanoTime();
        bus.publish(new ConnectionEvent.RequestFailed(id, now, request, sequence,
                ConnectionEvent.FailureKind.of(error), timeoutPhase(error), caused(error, MalformedResponseException.class),
                error, Duration.ofNanos(Math.max(0, now - queuedAt))));
    }

    /**
     * The connection ended.
     *
     * @param reason why, as the engine knows it; null to derive it from {@code cause}
     */
    public void closed(ConnectionState state, Throwable cause, CloseReason reason, long requests) {
        if (!bus.active()) return;
        long now = System.nanoTime();
        CloseReason why = reason != null ? reason : reasonOf(cause);
        bus.publish(new ConnectionEvent.ConnectionClosed(id, now, state, established, why, cause,
                Duration.ofNanos(connectingAt == 0 ? 0 : Math.max(0, now - connectingAt)), requests));
    }

    private CloseReason reasonOf(Throwable cause) {
        if (cause instanceof PipelaneTimeoutException) return CloseReason.TIMEOUT;
        if (cause instanceof MalformedResponseException) return CloseReason.MALFORMED;
        if (cause instanceof ConnectionClosedException) return CloseReason.CLOSED;
        return established ? CloseReason.FAILED : CloseReason.CONNECT_FAILED;
    }

    private static PipelaneTimeoutException.Phase timeoutPhase(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof PipelaneTimeoutException) return ((PipelaneTimeoutException) t).phase();
            if (t.getCause() == t) break;
        }
        return null;
    }

    private static boolean caused(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) return true;
            if (t.getCause() == t) break;
        }
        return false;
    }
}
