package io.pipelane.internal.jmx;

import io.pipelane.ConnectionEvent.FailureKind;
import io.pipelane.internal.stats.EndpointStats;
import io.pipelane.internal.stats.LatencyHistogram;
import io.pipelane.internal.stats.Statistics;

import java.util.Map;
import java.util.function.Supplier;

/** The {@link EndpointMXBean} of one endpoint name: reads the statistics at each call, keeps nothing. */
final class EndpointBean implements EndpointMXBean {
    private static final EndpointStats.Snapshot NONE = new EndpointStats.Snapshot("", 0, 0, 0, 0, 0, 0,
            new long[FailureKind.values().length], Map.of(), 0, 0, 0, 0, 0, 0, Map.of(),
            new LatencyHistogram().snapshot());

    private final String name;
    private final Supplier<String> uri;
    private final Statistics statistics;

    EndpointBean(String name, Supplier<String> uri, Statistics statistics) {
        this.name = name;
        this.uri = uri;
        this.statistics = statistics;
    }

    private EndpointStats.Snapshot s() {
        EndpointStats.Snapshot s = statistics.snapshot(name);
        return s == null ? NONE : s;
    }

    private static double millis(long micros) {
        return micros / 1000.0;
    }

    @Override public String getName() { return name; }
    @Override public String getUri() { return uri.get(); }
    @Override public long getLiveConnections() { return s().liveConnections(); }
    @Override public long getConnectionsOpened() { return s().connectionsOpened(); }
    @Override public long getConnectFailures() { return s().connectFailures(); }
    @Override public long getRequestsInFlight() { return s().inFlight(); }
    @Override public long getRequests() { return s().requests(); }
    @Override public long getCompleted() { return s().completed(); }
    @Override public long getFailed() { return s().failures(); }
    @Override public long getFailedRetry() { return s().failed(FailureKind.RETRY); }
    @Override public long getFailedPossiblyProcessed() { return s().failed(FailureKind.POSSIBLY_PROCESSED); }
    @Override public long getFailedTimeout() { return s().failed(FailureKind.TIMEOUT); }
    @Override public long getFailedMalformed() { return s().failed(FailureKind.MALFORMED); }
    @Override public long getFailedOther() { return s().failed(FailureKind.OTHER); }
    @Override public Map<String, Long> getTimeoutsByPhase() { return s().timeoutsByPhase(); }
    @Override public long getRetries() { return s().retries(); }
    @Override public long getReplacements() { return s().replacements(); }
    @Override public long getPipeliningConnections() { return s().pipeliningConnections(); }
    @Override public long getNonPipeliningConnections() { return s().nonPipeliningConnections(); }
    @Override public Map<String, Long> getLimitsLearned() { return s().limits(); }
    @Override public long getLatencyCount() { return s().latency().count(); }
    @Override public double getLatencyMeanMillis() { return s().latency().mean() / 1000.0; }
    @Override public double getLatencyP50Millis() { return millis(s().latency().quantile(0.5)); }
    @Override public double getLatencyP90Millis() { return millis(s().latency().quantile(0.9)); }
    @Override public double getLatencyP99Millis() { return millis(s().latency().quantile(0.99)); }
    @Override public double getLatencyP999Millis() { return millis(s().latency().quantile(0.999)); }
    @Override public double getLatencyMaxMillis() { return millis(s().latency().max()); }
    @Override public void resetLatency() { statistics.resetLatency(name); }
}
