package io.pipelane.internal.engine;

import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.PipelaneTimeoutException;

import java.time.Duration;

/**
 * The phases of connecting and when each began, for their timeouts ({@link ConnectionOptions#connectTimeout()},
 * {@link ConnectionOptions#handshakeTimeout()}).
 *
 * <h2>Lifecycle ({@link ConnectPhase})</h2>
 * <pre>
 *   TCP ──handshaking──► TLS_HANDSHAKE ──done──► DONE
 *    └──────────────────────done─────────────────┘
 * </pre>
 * The connection reports the phases as its reader task connects ({@link #started}, {@link #handshaking},
 * {@link #done}, the last under the connection's lock); the watchdog thread reads them ({@link #expired}). Both
 * fields are volatile.
 */
final class ConnectDeadlines {
    /** The phases of connecting, for their timeouts. */
    enum ConnectPhase { TCP, TLS_HANDSHAKE, DONE }

    private volatile ConnectPhase phase = ConnectPhase.TCP;
    private volatile long phaseStartedAt;

    /** Connecting starts (TCP). */
    void started(long now) {
        phaseStartedAt = now;
    }

    /** The TCP connection is up and the TLS handshake starts. */
    void handshaking(long now) {
        phaseStartedAt = now;
        phase = ConnectPhase.TLS_HANDSHAKE;
    }

    /** Connecting is over (the transport opened, or the connection ended first). */
    void done() {
        phase = ConnectPhase.DONE;
    }

    /** The phase now, for the watchdog. */
    ConnectPhase phase() {
        return phase;
    }

    /** Called by the watchdog while connecting ({@code phase} not DONE): the timeout that has passed, or null. */
    Expiry expired(ConnectPhase phase, long now, ConnectionOptions options, Endpoint endpoint) {
        boolean tls = phase == ConnectPhase.TLS_HANDSHAKE;
        Duration limit = tls ? options.handshakeTimeout() : options.connectTimeout();
        if (now - phaseStartedAt <= limit.toNanos()) return null;
        return new Expiry(new PipelaneTimeoutException(tls ? PipelaneTimeoutException.Phase.HANDSHAKE
                : PipelaneTimeoutException.Phase.CONNECT, limit,
                (tls ? "the TLS handshake with " : "connecting to ") + endpoint + " timed out"), null);
    }
}
