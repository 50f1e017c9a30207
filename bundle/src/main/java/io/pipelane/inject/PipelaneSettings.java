package io.pipelane.inject;

import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.internal.config.ConfigException;
import io.pipelane.internal.config.ConfigValues;
import io.pipelane.internal.config.OptionKeys;

import jakarta.inject.Inject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * What {@link DefaultConnectionFactory} is built from: default options, named endpoints, an optional executor.
 * Immutable; the injectable no-argument constructor gives the safe defaults of
 * {@link ConnectionOptions#defaults()} and no endpoints, and the {@code with…} methods derive variants.
 *
 * <p>{@link #withDefaultOptions(Map)} reads the same keys as the OSGi defaults configuration
 * ({@code io.pipelane}): {@code persistence}, {@code connectTimeout=10s}, {@code maxPipelineDepth}, …
 */
public final class PipelaneSettings {
    private final ConnectionOptions defaultOptions;
    private final Map<String, Endpoint> endpoints;
    private final Map<String, ConnectionOptions> endpointOptions;
    private final Executor executor;

    /** The defaults: {@link ConnectionOptions#defaults()}, no endpoints, an executor the factory owns. */
    @Inject
    public PipelaneSettings() {
        this(ConnectionOptions.defaults(), Map.of(), Map.of(), null);
    }

    private PipelaneSettings(ConnectionOptions defaultOptions, Map<String, Endpoint> endpoints,
                             Map<String, ConnectionOptions> endpointOptions, Executor executor) {
        this.defaultOptions = defaultOptions;
        this.endpoints = Map.copyOf(endpoints);
        this.endpointOptions = Map.copyOf(endpointOptions);
        this.executor = executor;
    }

    public ConnectionOptions defaultOptions() {
        return defaultOptions;
    }

    /** The named endpoints. */
    public Map<String, Endpoint> endpoints() {
        return endpoints;
    }

    /** The options of an endpoint that has its own, else {@code null}. */
    public ConnectionOptions endpointOptions(String name) {
        return endpointOptions.get(name);
    }

    /** The executor for connections' I/O, or {@code null} for one the factory owns. */
    public Executor executor() {
        return executor;
    }

    public PipelaneSettings withDefaultOptions(ConnectionOptions options) {
        return new PipelaneSettings(Objects.requireNonNull(options, "options"), endpoints, endpointOptions, executor);
    }

    /**
     * The default options with the given configuration keys applied (the keys of the OSGi PID
     * {@code io.pipelane}; values as strings, numbers or durations).
     *
     * @throws IllegalArgumentException naming the key whose value is unusable
     */
    public PipelaneSettings withDefaultOptions(Map<String, ?> properties) {
        ConfigValues values = new ConfigValues("PipelaneSettings", properties);
        for (String key : properties.keySet()) {
            if (!OptionKeys.keySet().contains(key)) {
                throw new ConfigException("PipelaneSettings", key, "unknown key (known: " + OptionKeys.keys() + ")");
            }
        }
        return withDefaultOptions(OptionKeys.apply(defaultOptions, values));
    }

    /** A named endpoint with the default options, e.g. {@code withEndpoint("billing", "https://billing:8443")}. */
    public PipelaneSettings withEndpoint(String name, String uri) {
        return withEndpoint(name, Endpoint.of(uri), null);
    }

    /** A named endpoint with its own options ({@code null}: the defaults). */
    public PipelaneSettings withEndpoint(String name, Endpoint endpoint, ConnectionOptions options) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(endpoint, "endpoint");
        Map<String, Endpoint> e = new LinkedHashMap<>(endpoints);
        e.put(name, endpoint);
        Map<String, ConnectionOptions> o = new LinkedHashMap<>(endpointOptions);
        if (options == null) o.remove(name);
        else o.put(name, options);
        return new PipelaneSettings(defaultOptions, e, o, executor);
    }

    /** The executor for connections' I/O (not shut down by the factory); {@code null}: the factory owns one. */
    public PipelaneSettings withExecutor(Executor executor) {
        return new PipelaneSettings(defaultOptions, endpoints, endpointOptions, executor);
    }

    @Override
    public String toString() {
        return "PipelaneSettings{defaultOptions=" + defaultOptions + ", endpoints=" + endpoints + "}";
    }
}
