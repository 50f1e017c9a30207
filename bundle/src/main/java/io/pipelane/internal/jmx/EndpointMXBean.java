package io.pipelane.internal.jmx;

import java.util.Map;

/**
 * One configured endpoint, {@code io.pipelane:type=Endpoint,name=<endpoint>}: its connections and requests as
 * the listener events report them (made by any consumer, by {@code create(name)} or by a cache). Counters count
 * from the start of the Pipelane component; latencies are from a connection accepting a request to the end of
 * its response, in milliseconds, from a histogram with buckets at most 1/16 wide.
 */
public interface EndpointMXBean {
    String getName();

    String getUri();

    /** Established connections not yet closed. */
    long getLiveConnections();

    long getConnectionsOpened();

    long getConnectFailures();

    /** Requests accepted by connections and not yet answered or failed. */
    long getRequestsInFlight();

    long getRequests();

    long getCompleted();

    long getFailed();

    long getFailedRetry();

    long getFailedPossiblyProcessed();

    /** Failures that were a timeout of the request's own ({@code CACHE_WAIT}, {@code BODY_READ}). */
    long getFailedTimeout();

    long getFailedMalformed();

    long getFailedOther();

    /**
     * The failures a timeout caused, by phase (CONNECT, RESPONSE, …): the request's own, or the one that ended its
     * connection (those fail as RETRY or POSSIBLY_PROCESSED with the timeout as their cause).
     */
    Map<String, Long> getTimeoutsByPhase();

    /** Requests a cache sent again after a retryable failure. */
    long getRetries();

    /** Requests a cache moved, untouched, to another connection. */
    long getReplacements();

    long getPipeliningConnections();

    long getNonPipeliningConnections();

    /** The limits of the server the caches learned, e.g. "requests per connection". */
    Map<String, Long> getLimitsLearned();

    long getLatencyCount();

    double getLatencyMeanMillis();

    double getLatencyP50Millis();

    double getLatencyP90Millis();

    double getLatencyP99Millis();

    double getLatencyP999Millis();

    double getLatencyMaxMillis();

    /** Forgets the latency values (the counters go on). */
    void resetLatency();
}
