package io.pipelane.internal.engine;

import io.pipelane.PipelaneTimeoutException;

/**
 * A timeout that has passed, as found by the watchdog: the exception, and the request whose own wait it was
 * (it fails with the exception itself; the others are classified), or null.
 */
record Expiry(PipelaneTimeoutException cause, Exchange<?> victim) {
}
