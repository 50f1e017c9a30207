package io.pipelane.internal.jmx;

import io.pipelane.CacheMetrics;
import io.pipelane.internal.cache.PipelaneConnectionCache;

import java.util.List;

/** The {@link CacheMXBean} of one cache: reads its metrics at each call. */
final class CacheBean implements CacheMXBean {
    private final String owner;
    private final PipelaneConnectionCache cache;

    CacheBean(String owner, PipelaneConnectionCache cache) {
        this.owner = owner;
        this.cache = cache;
    }

    private List<CacheMetrics> m() {
        return cache.metrics();
    }

    @Override public String getOwner() { return owner; }
    @Override public String[] getEndpoints() { return m().stream().map(CacheMetrics::key).toArray(String[]::new); }
    @Override public int getConnections() { return m().stream().mapToInt(CacheMetrics::connections).sum(); }
    @Override public int getIdleConnections() { return m().stream().mapToInt(CacheMetrics::idleConnections).sum(); }
    @Override public int getInFlight() { return m().stream().mapToInt(CacheMetrics::inFlight).sum(); }
    @Override public int getWaiting() { return m().stream().mapToInt(CacheMetrics::waiting).sum(); }
    @Override public long getRequests() { return m().stream().mapToLong(CacheMetrics::requests).sum(); }
    @Override public long getCompleted() { return m().stream().mapToLong(CacheMetrics::completed).sum(); }
    @Override public long getRetries() { return m().stream().mapToLong(CacheMetrics::retries).sum(); }
    @Override public long getFailures() { return m().stream().mapToLong(CacheMetrics::failures).sum(); }
    @Override public long getConnectionsOpened() { return m().stream().mapToLong(CacheMetrics::connectionsOpened).sum(); }

    @Override public long getReplacements() { return m().stream().mapToLong(CacheMetrics::replaced).sum(); }
}
