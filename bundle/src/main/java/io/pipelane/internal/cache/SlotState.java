package io.pipelane.internal.cache;

/**
 * Where one connection of a {@link Pool} is in its life, as the pool sees it. Transitions (all under the pool's
 * lock, by {@link Slot}):
 * <pre>
 *   CONNECTING --connected--> OPEN
 *   CONNECTING, OPEN --given its last allowed request--> EXHAUSTED
 *   CONNECTING, OPEN, EXHAUSTED --options renewed--> DRAINING
 *   CONNECTING, OPEN, EXHAUSTED --idle past keep or the server's timeout, exhausted and idle, cache closed--> RETIRED
 *   any --connection ended, or could not be opened--> ENDED
 * </pre>
 */
enum SlotState {
    /** Being opened: requests placed on it wait in its outbox, in order. */
    CONNECTING,
    /** Open: takes requests up to its capacity and its request limit. */
    OPEN,
    /**
     * Has been given as many requests as the server allows on one connection (announced with
     * {@code Keep-Alive: max}, or learned): it finishes them and ends. It does not count against {@code parallel},
     * so the next connection opens while it finishes.
     */
    EXHAUSTED,
    /** Renewed by a configuration change: finishes what it holds, then ends; counts against {@code parallel}. */
    DRAINING,
    /** Shut down by the cache: takes nothing more. */
    RETIRED,
    /** The connection ended, or could not be opened: out of the pool. */
    ENDED;

    /** Whether the pool may place requests on it. */
    boolean takesRequests() {
        return this == CONNECTING || this == OPEN;
    }

    /** Whether it counts against {@code parallel}. */
    boolean countsAgainstParallel() {
        return this != EXHAUSTED && this != ENDED;
    }
}
