package io.pipelane.internal.cache;

import io.pipelane.HttpVersion;
import io.pipelane.ResponseHead;

import java.time.Duration;
import java.util.List;

/**
 * What the server of one endpoint allows a connection, as the pool sees it: what each response announces
 * ({@code Keep-Alive: max=N, timeout=T}, {@code Connection: close}) applied to its connection, and the number of
 * requests per connection learned from a server that closed with requests still placed behind the close. Guarded
 * by the pool's lock: every method is called under it.
 *
 * <p>The learned limit is the count of the latest such close (a server reconfigured lower is learned again; one
 * that allows more is not probed), and is forgotten with the pool when it is removed as idle. Only a close
 * announced on a response below 400 teaches anything: an error response or a reset says nothing about the limit.
 */
final class ServerLimits {
    /** Requests per connection after which the server closed; 0 until seen. */
    private int learned;

    int learned() {
        return learned;
    }

    /** A slot for a new connection: limited to what was learned. */
    Slot newSlot(Duration keep) {
        return new Slot(learned > 0 ? learned : Integer.MAX_VALUE, keep);
    }

    /** A response's head arrived on {@code s}: counts it and applies what it announces. */
    void headArrived(Slot s, ResponseHead head, Duration keep) {
        KeepAlive keepAlive = KeepAlive.of(head.headers());
        s.answered++;
        // max=N counted cautiously: this response is one of the N.
        if (keepAlive.max() >= 0) s.limitTo(s.answered - 1 + keepAlive.max());
        if (keepAlive.timeout() != null) s.idleLimit = keepAlive.idleLimit(keep);
        boolean closes = head.headers().containsToken("Connection", "close")
                || (head.version() == HttpVersion.HTTP_1_0
                    && !head.headers().containsToken("Connection", "keep-alive"));
        if (closes && head.status() < 400) s.closeAnnounced = true;
    }

    /**
     * {@code s}'s connection ended: if the server announced its close while requests were placed behind it, the
     * count it answered becomes the limit of every connection, {@code others} included. Returns that count, or 0.
     */
    int connectionEnded(Slot s, List<Slot> others) {
        if (!s.closeAnnounced || s.answered == 0 || s.placed() <= s.answered) return 0;
        learned = s.answered;
        for (Slot other : others) other.limitTo(learned);
        return learned;
    }
}
