package io.pipelane.internal.stats;

import io.pipelane.ConnectionEvent;
import io.pipelane.internal.event.EventBus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-endpoint statistics of a factory's connections and caches, for JMX and {@code pipelane:stats}: an inline
 * {@link EventBus.Sink} (counters only, so it runs on the publishers' threads without holding them up).
 *
 * <p>At most {@link #MAX_ENDPOINTS} endpoints are tracked one by one (each costs about 6 KiB); the events of
 * endpoints beyond that, given as URIs by an application that uses very many, count under {@link #OTHERS}.
 */
public final class Statistics implements EventBus.Sink {
    public static final int MAX_ENDPOINTS = 1000;
    public static final String OTHERS = "(other endpoints)";

    private final Map<String, EndpointStats> byEndpoint = new ConcurrentHashMap<>();

    @Override
    public void accept(ConnectionEvent event) {
        stats(event.endpoint()).record(event);
    }

    private EndpointStats stats(String endpoint) {
        EndpointStats s = byEndpoint.get(endpoint);
        if (s != null) return s;
        String key = byEndpoint.size() >= MAX_ENDPOINTS ? OTHERS : endpoint;
        return byEndpoint.computeIfAbsent(key, EndpointStats::new);
    }

    /** The statistics of {@code endpoint}, or null if it had no event yet. */
    public EndpointStats.Snapshot snapshot(String endpoint) {
        EndpointStats s = byEndpoint.get(endpoint);
        return s == null ? null : s.snapshot();
    }

    /** Every endpoint's statistics, by endpoint. */
    public List<EndpointStats.Snapshot> snapshots() {
        List<EndpointStats.Snapshot> out = new ArrayList<>();
        for (EndpointStats s : byEndpoint.values()) out.add(s.snapshot());
        out.sort(java.util.Comparator.comparing(EndpointStats.Snapshot::endpoint));
        return out;
    }

    /** Forgets the latency values of {@code endpoint}. */
    public void resetLatency(String endpoint) {
        EndpointStats s = byEndpoint.get(endpoint);
        if (s != null) s.resetLatency();
    }
}
