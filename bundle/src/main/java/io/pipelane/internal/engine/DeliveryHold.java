package io.pipelane.internal.engine;

/**
 * The reader's hold of the delivery's drain ({@link Delivery#hold}): the completions of one read's responses start
 * one drain, once all are handed on, unless the reader releases earlier, before it calls code that may wait for the
 * application (a body handler or sink that is not one of {@link io.pipelane.BodyHandlers}' own, {@link OwnCode}).
 *
 * <h2>Lifecycle</h2>
 * <pre>
 *   not holding ──hold (a read's bytes)──► holding ──release / releaseToHere──► not holding
 * </pre>
 * Per response: {@link #beforeHandler} (the handler opens its sink), {@link #sinkOpened}, then
 * {@link #beforeSink} before each call of the sink. Confined to the reader thread.
 */
final class DeliveryHold {
    private final Delivery delivery;
    /** Whether body handlers, and sinks, are {@link io.pipelane.BodyHandlers}' own, which never wait. */
    private final OwnCode handlers = new OwnCode();
    private final OwnCode sinks = new OwnCode();
    /** Whether the reader holds the delivery's drain for the read it hands on ({@link Delivery#hold}). */
    private boolean holding;
    /** Whether the current response's sink may wait for the application: the reader releases before it calls it. */
    private boolean sinkMayWait;

    DeliveryHold(Delivery delivery) {
        this.delivery = delivery;
    }

    /** One drain for this read's responses, started once all are handed on. */
    void hold() {
        delivery.hold();
        holding = true;
    }

    /** Ends the hold of this read (at its end, or before application code): the drain it held starts. */
    void release() {
        if (!holding) return;
        holding = false;
        delivery.release();
    }

    /**
     * Ends the hold of this read at its end, taking the drain it made due (-1 if none): see
     * {@link Delivery#releaseToHere}.
     */
    int releaseToHere() {
        if (!holding) return -1; // released already, before application code: its drain runs as a task
        holding = false;
        return delivery.releaseToHere();
    }

    /** Before the body handler of a response opens its sink: releases unless the handler never waits. */
    void beforeHandler(Object handler) {
        sinkMayWait = false;
        if (!handlers.neverWaits(handler)) release();
    }

    /** The response's sink is open: releases now, and before each call of it, unless it never waits. */
    void sinkOpened(Object sink) {
        sinkMayWait = !sinks.neverWaits(sink);
        if (sinkMayWait) release();
    }

    /** Before a call of the current response's sink. */
    void beforeSink() {
        if (sinkMayWait) release();
    }
}
