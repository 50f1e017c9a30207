package io.pipelane.internal.engine;

import java.util.concurrent.CompletableFuture;

/**
 * The stage {@link io.pipelane.Connection#nextChange()} hands out, completed at the connection's next change (of
 * its state or its length).
 *
 * <h2>Lifecycle</h2>
 * <pre>
 *   none (nobody waits) ──next──► pending ──take (a change)──► none
 * </pre>
 * A taken stage is completed after the lock, through the delivery ({@link #complete}): its dependents are
 * application code.
 *
 * <h2>Threads</h2>
 * The stage is guarded by the connection's lock ({@link #next}, {@link #take} run under it); it is volatile so that
 * {@link #signal} skips the lock when nobody waits. No application code runs under the lock.
 */
final class ChangeSignal {
    private final Object lock;
    private final Delivery delivery;
    /** The stage nextChange() handed out, completed at the next change; volatile so signalling can skip the lock. */
    private volatile CompletableFuture<Void> change;

    ChangeSignal(Object lock, Delivery delivery) {
        this.lock = lock;
        this.delivery = delivery;
    }

    /** The stage completed at the next change (the pending one, or a new one). Under lock. */
    CompletableFuture<Void> next() {
        if (change == null) change = new CompletableFuture<>();
        return change;
    }

    /** Takes the pending nextChange() stage, to be completed outside the lock. Under lock. */
    CompletableFuture<Void> take() {
        CompletableFuture<Void> c = change;
        if (c != null) change = null;
        return c;
    }

    /** Completes a nextChange() stage through the delivery: its dependents are application code. */
    void complete(CompletableFuture<Void> c) {
        if (c != null) delivery.submit("nextChange()", () -> c.complete(null));
    }

    /** Something changed: the pending stage, if any, completes. Not under lock. */
    void signal() {
        if (change == null) return; // nobody waits: no lock needed
        CompletableFuture<Void> c;
        synchronized (lock) {
            c = take();
        }
        complete(c);
    }
}
