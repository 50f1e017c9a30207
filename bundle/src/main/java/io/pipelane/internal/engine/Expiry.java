package io.pipelane.internal.engine;

import io.pipelane.PipelaneTimeoutException;

/**
 * A timeout that has passed, as found by the watchdog: the exception, and for a write timeout the request being
 * written (it fails at once, classified; see {@code HttpConnection.writeTimedOut}), else null: a read or connect
 * timeout ends the connection, and every outstanding request is classified with the exception as its cause.
 */
record Expiry(PipelaneTimeoutException cause, Exchange<?> victim) {
}
