package io.pipelane.internal.engine;

import io.pipelane.ConnectionOptions;

/**
 * Where a call's requests are written from, decided under the connection's lock ({@link #decide}) and acted on
 * after it ({@link #run}), on the calling thread.
 */
record WriteStart(WriteStart.Kind kind, PipelineWriter claimed) {
    enum Kind {
        /** The writer runs already (or may not run): it takes them in its next steps. */
        NONE,
        /**
         * Made by a completion: the drain writes them with the others of its round, in one write, on its
         * thread ({@link Delivery#deferWrite}).
         */
        DEFERRED,
        /** Nothing in flight (one call at a time, the first of a burst): written on this thread, no hand-off. */
        INLINE,
        /** The claimed writer goes on as a task, which takes the rest of the burst into one socket write. */
        TASK
    }

    static final WriteStart NONE = new WriteStart(Kind.NONE, null);
    static final WriteStart DEFERRED = new WriteStart(Kind.DEFERRED, null);

    /** See {@link #deferLimit}. */
    static final int DEFERRED_WRITES = 256;

    /**
     * Where the requests just queued are written from; claims the writer unless they wait for the delivery's
     * drain. {@code onDrain}: the caller is a completion run by the delivery. Under the connection's lock.
     */
    static WriteStart decide(boolean onDrain, Pipeline pipeline, WriteSide writes, ConnectionOptions options) {
        if (onDrain && pipeline.waitingCount() < deferLimit(options)) return DEFERRED;
        PipelineWriter w = writes.claim();
        if (w == null) return NONE;
        return new WriteStart(pipeline.inFlightCount() == 0 ? Kind.INLINE : Kind.TASK, w);
    }

    /**
     * Requests made by completions wait for the end of the drain's round only while fewer than this wait to be
     * written: a completion that makes many calls has them written as they come, like any caller, rather than
     * filling the queue up to {@link ConnectionOptions#maxQueuedRequests()}.
     */
    private static int deferLimit(ConnectionOptions options) {
        return Math.min(DEFERRED_WRITES, options.maxQueuedRequests());
    }

    /** Acts on the decision, after the lock. */
    void run(Delivery delivery, WriteSide writes) {
        switch (kind) {
            case DEFERRED:
                if (!delivery.deferWrite()) writes.schedule(); // the watchdog took the drain over meanwhile
                break;
            case INLINE:
                WriteSide.start(claimed);
                break;
            case TASK:
                writes.handOff(claimed);
                break;
            default:
                break;
        }
    }
}
