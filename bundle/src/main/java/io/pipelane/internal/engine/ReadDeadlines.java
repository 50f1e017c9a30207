package io.pipelane.internal.engine;

import io.pipelane.ConnectionOptions;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.PipelaneTimeoutException.Phase;
import io.pipelane.internal.engine.ResponseReader.Reading;

/**
 * The read timeouts of a connection's reader ({@code idleReadTimeout}, {@code responseHeadTimeout},
 * {@code responseTimeout}, {@code minBodyRate}): when the reader waits in a socket read, when bytes and responses
 * arrived, how far the current response has come, and the watchdog's rate window.
 *
 * <h2>Lifecycle</h2>
 * Per response: {@link #responseBegun} (its first bytes arrived), {@link #headArrived} and {@link #bodyArrived} as
 * its bytes come, {@link #responseEnded}; around each socket read {@link #readStarted} and {@link #readReturned},
 * then {@link #bytesArrived} when it brought bytes.
 *
 * <h2>Threads</h2>
 * The reader thread writes everything but the rate window; the watchdog thread reads the time stamps and counts
 * ({@link #inRead}, {@link #expired}) and alone reads and writes the rate window. The time stamps and the body
 * count are volatile; the head count is not (the watchdog's message may lag a read).
 */
final class ReadDeadlines {
    private final HttpConnection connection;
    private final ConnectionOptions options;

    /** Whether the reader is blocked in a socket read (only then do the read timeouts apply). */
    private volatile boolean inRead;
    private volatile long lastReadAt;
    private volatile long lastResponseEndAt;
    /** When the first byte of the current response arrived, for responseHeadTimeout. */
    private volatile long responseStartedAt;
    /** Body bytes of the current response so far, for minBodyRate; reset when a response begins. */
    private volatile long bodyBytes;
    /** The responses begun so far: tells the watchdog's rate window that a new response started. */
    private volatile int responseCount;
    /** Bytes of the current response's head received so far, to say where a response was cut. */
    private long headBytes;
    // --- the rate window: read and written by the watchdog only (in expired) ---
    private int windowResponse = -1;
    private long windowStartedAt;
    private long windowStartBytes;

    ReadDeadlines(HttpConnection connection) {
        this.connection = connection;
        this.options = connection.options;
    }

    // ------------------------------------------------------------------------------------------ the reader thread

    /** The reader is about to block in a socket read. */
    void readStarted() {
        inRead = true;
    }

    /** The socket read returned (or threw). */
    void readReturned() {
        inRead = false;
    }

    /** A read brought bytes (or the end of input), now. */
    void bytesArrived() {
        lastReadAt = System.nanoTime();
    }

    /** The first bytes of a response arrived, with the last read. */
    void responseBegun() {
        headBytes = 0;
        bodyBytes = 0;
        responseStartedAt = lastReadAt;
        responseCount++;
    }

    /** {@code n} more bytes of the current response's head. */
    void headArrived(int n) {
        headBytes += n;
    }

    /** {@code n} more body bytes of the current response. */
    void bodyArrived(long n) {
        bodyBytes += n; // only this thread writes it
    }

    /** The current response is complete, now. */
    void responseEnded() {
        lastResponseEndAt = System.nanoTime();
    }

    /** Bytes of the current response's head so far. */
    long headBytes() {
        return headBytes;
    }

    /** Body bytes of the current (or last) response so far. */
    long bodyBytes() {
        return bodyBytes;
    }

    // ------------------------------------------------------------------------------------------ the watchdog

    /** Whether the reader waits in a socket read: only then do the read timeouts apply. */
    boolean inRead() {
        return inRead;
    }

    /**
     * Called by the watchdog once {@link #inRead} was true, with the reader's state read after it: the read timeout
     * that has passed, or null. A read timeout ends the connection like any other end of input: no request is its
     * victim, each outstanding one is classified by {@link Failures#classify} with the timeout as its cause
     * (RFC 9112 §9.3.1: the connection ended before the response was complete), so an idempotent request whose
     * head never came whole may be sent again.
     */
    Expiry expired(long now, Reading r) {
        if (r == Reading.HEAD || r == Reading.BODY) {
            if (now - lastReadAt > options.idleReadTimeout().toNanos()) {
                return new Expiry(new PipelaneTimeoutException(Phase.IDLE_READ, options.idleReadTimeout(),
                        "reading the response to " + connection.currentExchange() + " timed out " + where(r)), null);
            }
            if (r == Reading.HEAD && now - responseStartedAt > options.responseHeadTimeout().toNanos()) {
                return new Expiry(new PipelaneTimeoutException(Phase.RESPONSE_HEAD, options.responseHeadTimeout(),
                        "the head of the response to " + connection.currentExchange() + " was not complete in time ("
                                + headBytes + " bytes arrived)"), null);
            }
            return r == Reading.BODY ? slowBody(now) : null;
        }
        if (r != Reading.IDLE) return null;
        Exchange<?> e = connection.currentExchange();
        if (e == null) return null;
        long writtenAt = e.writtenAt;
        if (writtenAt == 0) writtenAt = connection.writingStoppedAt(); // part of it went out before writing stopped
        if (writtenAt == 0) return null;
        long since = Math.max(writtenAt, lastResponseEndAt);
        if (now - since > options.responseTimeout().toNanos()) {
            return new Expiry(new PipelaneTimeoutException(Phase.RESPONSE, options.responseTimeout(),
                    "no byte of the response to " + e + " arrived"), null);
        }
        return null;
    }

    /** Where a response was when a read timed out, for the message. Watchdog thread; the counts may lag a read. */
    private String where(Reading r) {
        return r == Reading.HEAD ? "after " + headBytes + " bytes of its head"
                : "in its body, after " + bodyBytes + " bytes";
    }

    /**
     * The body must average {@code minBodyRate} bytes per second over each {@code idleReadTimeout} window (counted
     * while the reader waits for it): a server that sends a byte now and then resets the idle timeout each time,
     * but not this one.
     */
    private Expiry slowBody(long now) {
        long bytes = bodyBytes;
        int response = responseCount;
        if (response != windowResponse) {
            windowResponse = response;
            windowStartedAt = now;
            windowStartBytes = bytes;
            return null;
        }
        long window = options.idleReadTimeout().toNanos();
        if (now - windowStartedAt < window) return null;
        double seconds = (now - windowStartedAt) / 1e9;
        long expected = (long) (options.minBodyRate() * seconds);
        if (bytes - windowStartBytes >= expected) {
            windowStartedAt = now;
            windowStartBytes = bytes;
            return null;
        }
        long got = bytes - windowStartBytes;
        return new Expiry(new PipelaneTimeoutException(Phase.BODY_RATE, options.idleReadTimeout(),
                "the body of the response to " + connection.currentExchange() + " arrived too slowly: " + got
                        + " bytes in " + Math.round(seconds * 1000) + " ms, below minBodyRate = "
                        + options.minBodyRate() + " bytes/s"), null);
    }
}
