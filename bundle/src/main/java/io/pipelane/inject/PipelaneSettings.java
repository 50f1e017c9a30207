package io.pipelane.inject;

import io.pipelane.CacheOptions;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.internal.codec.Printable;
import io.pipelane.internal.config.CacheKeys;
import io.pipelane.internal.config.ConfigException;
import io.pipelane.internal.config.ConfigValues;
import io.pipelane.internal.config.OptionKeys;

import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * What {@link DefaultConnectionFactory} is built from: default options, the options of its connection cache
 * ({@link DefaultConnectionFactory#cache()}, proxy included), named endpoints, an optional executor. Immutable;
 * the injectable no-argument constructor gives the safe defaults of {@link ConnectionOptions#defaults()} and
 * {@link CacheOptions#defaults()} (no proxy) and no endpoints, and the {@code with…} methods derive variants.
 *
 * <p>{@link #withDefaultOptions(Map)} reads the same keys as the OSGi defaults configuration
 * ({@code io.pipelane}): the connection keys ({@code persistence}, {@code connectTimeout=10s},
 * {@code maxPipelineDepth}, …), the cache keys ({@code keep}, {@code retry}, {@code parallel}, {@code depth},
 * {@code waitTimeout}, {@code maxWaiting}, {@code reuse}) and the proxy keys ({@code proxy.host}, {@code proxy.port},
 * {@code proxy.user}, {@code proxy.password}, {@code proxy.exceptions}, {@code proxy.tunnel}).
 *
 * <p>The proxy applies to the cache's requests and to the named endpoints whose options name no proxy of their
 * own (as in OSGi, where a named endpoint's connections go through its proxy whether made by the cache or by
 * {@code create(name)}); endpoints given as an {@code Endpoint} to {@code create} or {@code connect} connect as
 * their options say.
 */
public final class PipelaneSettings {
    private final ConnectionOptions defaultOptions;
    private final CacheOptions cacheOptions;
    private final Map<String, Endpoint> endpoints;
    private final Map<String, ConnectionOptions> endpointOptions;
    private final Executor executor;

    /** The defaults: {@link ConnectionOptions#defaults()}, no endpoints, an executor the factory owns. */
    @Inject
    public PipelaneSettings() {
        this(ConnectionOptions.defaults(), CacheOptions.defaults(), Map.of(), Map.of(), null);
    }

    private PipelaneSettings(ConnectionOptions defaultOptions, CacheOptions cacheOptions,
                             Map<String, Endpoint> endpoints, Map<String, ConnectionOptions> endpointOptions,
                             Executor executor) {
        this.defaultOptions = defaultOptions;
        this.cacheOptions = cacheOptions;
        this.endpoints = Map.copyOf(endpoints);
        this.endpointOptions = Map.copyOf(endpointOptions);
        this.executor = executor;
    }

    public ConnectionOptions defaultOptions() {
        return defaultOptions;
    }

    /** The options of the factory's connection cache; their {@link CacheOptions#proxies()} are the proxy. */
    public CacheOptions cacheOptions() {
        return cacheOptions;
    }

    /** The named endpoints. */
    public Map<String, Endpoint> endpoints() {
        return endpoints;
    }

    /**
     * The options of an endpoint that has its own, else {@code null} (as given: the proxy is added by
     * {@link #connectionOptions(String)}).
     */
    public ConnectionOptions endpointOptions(String name) {
        return endpointOptions.get(name);
    }

    /**
     * The options the factory gives the named endpoint {@code name}: its own, else the defaults; when they name
     * no proxy, the proxy the cache's rules choose for it ({@code null} when there is none or it is excepted).
     */
    public ConnectionOptions connectionOptions(String name) {
        Endpoint endpoint = endpoints.get(name);
        if (endpoint == null) throw new IllegalArgumentException("no endpoint named " + Printable.singleQuote(name));
        ConnectionOptions own = endpointOptions.get(name);
        ConnectionOptions options = own != null ? own : defaultOptions;
        if (options.proxy() != null) return own;
        io.pipelane.ProxyOptions proxy = cacheOptions.proxies().select(endpoint);
        return proxy == null ? own : options.toBuilder().proxy(proxy).build();
    }

    /** The executor for connections' I/O, or {@code null} for one the factory owns. */
    public Executor executor() {
        return executor;
    }

    public PipelaneSettings withDefaultOptions(ConnectionOptions options) {
        return new PipelaneSettings(Objects.requireNonNull(options, "options"), cacheOptions, endpoints,
                endpointOptions, executor);
    }

    /** The options of the factory's cache, {@link CacheOptions#proxies()} included. */
    public PipelaneSettings withCacheOptions(CacheOptions options) {
        return new PipelaneSettings(defaultOptions, Objects.requireNonNull(options, "options"), endpoints,
                endpointOptions, executor);
    }

    /**
     * The given configuration keys applied, read as the OSGi PID {@code io.pipelane} reads them (values as
     * strings, numbers, booleans or durations): connection keys to the default options, cache keys to the cache
     * options. Proxy keys given in one call make the whole proxy ({@code proxy.host} and {@code proxy.port}
     * required unless only {@code proxy.exceptions} or {@code proxy.tunnel} are given), replacing any proxy set
     * before; without proxy keys the proxy stays as it was.
     *
     * @throws IllegalArgumentException naming the key whose value is unusable (never quoting the password)
     */
    public PipelaneSettings withDefaultOptions(Map<String, ?> properties) {
        ConfigValues values = new ConfigValues("PipelaneSettings", properties);
        boolean proxyKeys = false;
        for (String key : properties.keySet()) {
            if (CacheKeys.proxyKeys().contains(key)) {
                proxyKeys = true;
            } else if (!OptionKeys.keySet().contains(key) && !CacheKeys.keySet().contains(key)) {
                List<String> known = new ArrayList<>(OptionKeys.keys());
                known.addAll(CacheKeys.keys());
                throw new ConfigException("PipelaneSettings", key, "unknown key (known: " + known + ")");
            }
        }
        ConnectionOptions options = OptionKeys.apply(defaultOptions, values);
        CacheOptions cache = CacheKeys.apply(cacheOptions, values);
        if (proxyKeys) cache = cache.toBuilder().proxies(CacheKeys.proxy(values, null).rules()).build();
        return new PipelaneSettings(options, cache, endpoints, endpointOptions, executor);
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
        return new PipelaneSettings(defaultOptions, cacheOptions, e, o, executor);
    }

    /** The executor for connections' I/O (not shut down by the factory); {@code null}: the factory owns one. */
    public PipelaneSettings withExecutor(Executor executor) {
        return new PipelaneSettings(defaultOptions, cacheOptions, endpoints, endpointOptions, executor);
    }

    @Override
    public String toString() {
        return "PipelaneSettings{defaultOptions=" + defaultOptions + ", cacheOptions=" + cacheOptions
                + ", endpoints=" + endpoints + "}";
    }
}
