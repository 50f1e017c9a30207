package io.pipelane.internal.cache;

import io.pipelane.CacheMetrics;
import io.pipelane.Endpoint;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The counters of one pool, updated without its lock by whichever thread sees the event. */
final class PoolCounters {
    /** Requests accepted and not yet complete. */
    final AtomicInteger active = new AtomicInteger();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong completed = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong replaced = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    final AtomicLong opened = new AtomicLong();

    CacheMetrics snapshot(String key, Endpoint endpoint, int connections, int idle, int waiting, int learnedLimit) {
        return new CacheMetrics(key, endpoint, connections, idle, active.get(), waiting, requests.get(),
                completed.get(), retries.get(), failures.get(), opened.get(), replaced.get(), learnedLimit);
    }
}
