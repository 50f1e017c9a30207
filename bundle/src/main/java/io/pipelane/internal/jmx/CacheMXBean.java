package io.pipelane.internal.jmx;

/**
 * One consumer bundle's connection cache ({@code ConnectionFactory.cache()}),
 * {@code io.pipelane:type=Cache,name=<bundle symbolic name>,bundle=<bundle id>}: the sums over the endpoints it
 * sent to of {@code ConnectionCache.metrics()}.
 */
public interface CacheMXBean {
    /** The bundle, e.g. {@code bundle com.example.catalog [42]}. */
    String getOwner();

    /** The endpoints it sent requests to (names, or URIs), in first-use order. */
    String[] getEndpoints();

    int getConnections();

    int getIdleConnections();

    /** Requests accepted and not yet complete (waiting ones included). */
    int getInFlight();

    /** Requests waiting for a connection with room. */
    int getWaiting();

    long getRequests();

    long getCompleted();

    long getRetries();

    /** Requests the server certainly did not process, placed again without using a retry. */
    long getReplacements();

    long getFailures();

    long getConnectionsOpened();
}
