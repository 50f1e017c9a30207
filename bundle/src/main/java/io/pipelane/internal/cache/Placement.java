package io.pipelane.internal.cache;

import io.pipelane.CacheOptions;

import java.util.List;
import java.util.function.Supplier;

/**
 * Where the next request of a pool goes (the policy {@link io.pipelane.ConnectionCache} documents): an idle
 * connection; else a new one while fewer than {@code parallel} count against it (a connection that has been
 * given its last allowed request does not, so its successor opens while it finishes; at most {@code parallel} of
 * those are kept aside, so the pool never holds more than twice {@code parallel}); else the shallowest connection
 * with room (under {@code depth}, one at a time while it does not pipeline, under its request limit); else none:
 * the request waits. Called under the pool's lock.
 */
final class Placement {
    private Placement() {
    }

    /** The slot for the next request, a new one from {@code open} (not yet in {@code slots}), or null. */
    static Slot choose(List<Slot> slots, CacheOptions options, Supplier<Slot> open) {
        for (Slot s : slots) {
            if (s.isIdle()) return s;
        }
        int counted = 0;
        for (Slot s : slots) {
            if (s.state().countsAgainstParallel()) counted++;
        }
        if (counted < options.parallel() && slots.size() < 2 * options.parallel()) return open.get();
        Slot best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (Slot s : slots) {
            if (!s.hasRoom(options.depth())) continue;
            int load = s.load();
            if (load < bestLoad) {
                best = s;
                bestLoad = load;
            }
        }
        return best;
    }
}
