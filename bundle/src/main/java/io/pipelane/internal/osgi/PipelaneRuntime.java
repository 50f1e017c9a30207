package io.pipelane.internal.osgi;

import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.internal.config.ConfigModel;
import io.pipelane.internal.engine.PipelaneConnectionFactory;
import io.pipelane.internal.stats.Statistics;

import java.util.List;
import java.util.Map;

/**
 * The bundle's internal service: the core component takes the endpoint and TLS configurations from their
 * configuration components, and shows its state to the console. Not exported; the configurations' secrets
 * never become service properties.
 */
public interface PipelaneRuntime {
    /**
     * The defaults configuration ({@code null}: none, the built-in defaults) and the executor service its
     * {@code executor.target} selects ({@code null}: none bound).
     */
    void defaults(Map<String, ?> properties, java.util.concurrent.Executor executor);

    void putEndpoint(String pid, Map<String, ?> properties);

    void removeEndpoint(String pid);

    void putTls(String pid, Map<String, ?> properties);

    void removeTls(String pid);

    /** The outcome of the current configuration. */
    ConfigModel.Result configuration();

    /** A line about the executor and the service, e.g. "waiting for an Executor service matching ...". */
    String serviceStatus();

    /** Why {@code executor.target} cannot be used (the executor in force is kept), or {@code null}. */
    String executorError();

    /** The engine behind the service. */
    PipelaneConnectionFactory engine();

    /** Per-endpoint statistics of the engine's connections and the consumers' caches, from their events. */
    Statistics statistics();

    /**
     * A connection to a configured endpoint, created on behalf of the console.
     *
     * @throws io.pipelane.UnknownEndpointException naming the endpoint, and why when it is configured but invalid
     */
    Connection create(String endpointName);

    /** A live connection and the bundle (or "console") it belongs to. */
    record LiveConnection(Connection connection, String owner) {
    }

    List<LiveConnection> connections();

    /** The connection cache of a consumer bundle ({@code ConnectionFactory.cache()}). */
    record CacheView(String owner, ConnectionCache cache) {
    }

    /** The caches the consumer bundles use now, by owner. */
    List<CacheView> caches();
}
