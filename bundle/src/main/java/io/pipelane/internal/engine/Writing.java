package io.pipelane.internal.engine;

/**
 * What a connection may still write; owned by its {@link WriteSide}, changed under the connection's lock, every
 * transition checked ({@link #allows}).
 * <pre>
 *   OPEN ──shutdown()──► DRAINING ──queue empty──► SHUT
 *    │ ╲                    │
 *    │  ╰─last request / server closes─► FINISHED
 *    └──────────────────────┴─────────────┴──write failed / timed out──► STOPPED
 * </pre>
 */
enum Writing {
    /** Requests are written as the pipeline allows. */
    OPEN,
    /** {@code shutdown()}: the queued requests are written (the last with Connection: close), then the output is shut. */
    DRAINING,
    /** Nothing more is written (a Connection: close request went out, or the server closes); the output stays open. */
    FINISHED,
    /** The output was shut (FIN, or close_notify on TLS 1.3) after {@code shutdown()}. */
    SHUT,
    /**
     * Writing failed (I/O error, a request body that threw) or timed out (then the output was shut): nothing more
     * is written; responses are still read.
     */
    STOPPED;

    boolean allows(Writing next) {
        switch (this) {
            case OPEN: return next != OPEN;
            case DRAINING: return next == FINISHED || next == SHUT || next == STOPPED;
            case FINISHED:
            case SHUT: return next == STOPPED;
            default: return false;
        }
    }
}
