package io.pipelane.internal.cache;

import io.pipelane.Connection;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * One connection of a {@link Pool}, from the moment it is decided until it has ended, with its
 * {@link SlotState}. Every field is guarded by the pool's lock; the pool calls these methods under it.
 *
 * <p>Requests placed on it go through its {@link #outbox} and are handed to {@link Connection#call} by one
 * thread at a time ({@link #sending}), so they reach the connection, and the wire, in the order they were
 * placed, even while it connects.
 */
final class Slot {
    private SlotState state = SlotState.CONNECTING;
    /** Null while connecting. */
    private Connection connection;
    /** Requests placed on it and not yet handed to call(), in placement order. */
    final ArrayDeque<Attempt<?>> outbox = new ArrayDeque<>();
    /** A thread is handing the outbox to call(). */
    boolean sending;
    /** Requests placed on it whose call() has not returned yet (the outbox included). */
    int reserved;
    /** Requests placed on it in all. */
    private int placed;
    /** The most requests it may be given: the server's announced or learned limit, else unlimited. */
    private int limit;
    /** Responses whose head arrived on it: a connection that answered nothing made no progress. */
    int answered;
    /** The server announced it closes (Connection: close, or an HTTP/1.0 response without keep-alive). */
    boolean closeAnnounced;
    /** When it became idle (System.nanoTime), 0 while busy. */
    long idleSince;
    /**
     * It pipelines from its first request (opened with Persistence.TRUE), even while connecting. Until it has
     * connected this is what the {@link Opener} knows (a named endpoint's own options are not known to it); from
     * then on it is the connection's own: {@link #connected} reads it before anything is handed to the connection,
     * when only the persistence it was opened with can have made it pipeline.
     */
    boolean pipelinesFromStart;
    /** How long it may stay idle: {@code keep}, or less if the server announced a shorter timeout. */
    Duration idleLimit;
    /** The keep timer armed when it became idle, or null: cancelled as soon as it is busy again or ends. */
    private CacheTimer.Task keepTimer;

    Slot(int limit, Duration keep) {
        this.limit = limit;
        this.idleLimit = keep;
    }

    SlotState state() {
        return state;
    }

    Connection connection() {
        return connection;
    }

    int placed() {
        return placed;
    }

    int limit() {
        return limit;
    }

    /** CONNECTING → OPEN (a slot retired or drained meanwhile keeps its state). */
    void connected(Connection c) {
        connection = c;
        pipelinesFromStart = c.isPipelining(); // nothing was handed to it yet: its own persistence says
        if (state == SlotState.CONNECTING) state = SlotState.OPEN;
    }

    /** A request was placed on it; the last one its limit allows makes it EXHAUSTED. */
    void place(Attempt<?> a) {
        placed++;
        reserved++;
        idleSince = 0;
        cancelKeepTimer();
        outbox.add(a);
        exhaustIfAtLimit();
    }

    /** The server allows at most {@code max} requests on it in all: lowers the limit (never raises it). */
    void limitTo(int max) {
        if (max < limit) limit = Math.max(max, 1);
        exhaustIfAtLimit();
    }

    private void exhaustIfAtLimit() {
        if (placed >= limit && state.takesRequests()) state = SlotState.EXHAUSTED;
    }

    /** Renewed by a configuration change: finish, then end. Returns whether it changed. */
    boolean drain() {
        if (state == SlotState.DRAINING || state == SlotState.RETIRED || state == SlotState.ENDED) return false;
        state = SlotState.DRAINING;
        return true;
    }

    /** Shut down by the cache. Returns whether it changed. */
    boolean retire() {
        cancelKeepTimer();
        if (state == SlotState.RETIRED || state == SlotState.ENDED) return false;
        state = SlotState.RETIRED;
        return true;
    }

    void end() {
        cancelKeepTimer();
        state = SlotState.ENDED;
    }

    /** Idle since {@code since}: {@code timer} shuts it down unless it is busy again or ends first. */
    void idle(long since, CacheTimer.Task timer) {
        cancelKeepTimer();
        idleSince = since;
        keepTimer = timer;
    }

    /** A pending keep timer would hold the slot and its connection until it fires: it goes at once. */
    private void cancelKeepTimer() {
        if (keepTimer != null) {
            keepTimer.cancel();
            keepTimer = null;
        }
    }

    /** Outstanding on the connection, plus placed and not yet handed to it. */
    int load() {
        Connection c = connection;
        return (c == null ? 0 : c.length()) + reserved;
    }

    /** Whether a request may be placed on it now: it takes requests, is below its capacity and its limit. */
    boolean hasRoom(int depth) {
        if (!state.takesRequests() || placed >= limit) return false;
        Connection c = connection;
        if (c != null && c.isClosed()) return false;
        return load() < capacity(depth);
    }

    /** Connected, taking requests, and nothing to do. */
    boolean isIdle() {
        Connection c = connection;
        return state == SlotState.OPEN && c != null && !c.isClosed() && load() == 0 && placed < limit;
    }

    /**
     * How many unfulfilled requests it may hold: {@code depth} once it pipelines, else one. A connection that
     * does not pipeline (yet: under Persistence.AUTO its first response decides) would only hold the others
     * back, and fail them with Retry if that response ends it.
     *
     * <p>Under AUTO it counts as pipelining only once the pool has also counted that first response's head
     * ({@link #answered}, with the {@code Keep-Alive: max} it announces applied to {@link #limit}): the connection
     * decides from the head before handing it to the body handler, where the pool sees it, and a request placed
     * in between would be placed past that max. A connection that pipelines from its start has no such moment:
     * no response can announce a max before its first requests are written.
     */
    private int capacity(int depth) {
        Connection c = connection;
        boolean pipelines = c == null ? pipelinesFromStart : c.isPipelining() && (pipelinesFromStart || answered > 0);
        return pipelines ? depth : 1;
    }

    @Override
    public String toString() {
        return "Slot[" + state + ", placed " + placed + (limit == Integer.MAX_VALUE ? "" : " of " + limit)
                + ", answered " + answered + "]";
    }
}
