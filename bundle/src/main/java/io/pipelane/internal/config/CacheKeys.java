package io.pipelane.internal.config;

import io.pipelane.CacheOptions;
import io.pipelane.Endpoint;
import io.pipelane.NoProxy;
import io.pipelane.ProxyOptions;
import io.pipelane.ProxyRules;
import io.pipelane.internal.codec.Printable;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The configuration keys of the connection cache ({@link CacheOptions}: cohttp's names {@code keep},
 * {@code retry}, {@code parallel}, {@code depth}, plus {@code waitTimeout}, {@code maxWaiting} and {@code reuse}) and of the proxy
 * (httpclient-osgi's names {@code proxy.host}, {@code proxy.port}, {@code proxy.user}, {@code proxy.password},
 * {@code proxy.exceptions}, plus {@code proxy.tunnel}). They are read from the defaults configuration ({@code io.pipelane}) and, as
 * overrides, from each endpoint ({@code io.pipelane.endpoint}). Plain Java, no OSGi.
 *
 * <p>The proxy of an endpoint: if the endpoint sets any of {@code proxy.host}, {@code proxy.port},
 * {@code proxy.user}, {@code proxy.password}, its proxy is made of its own keys only ({@code proxy.host} and
 * {@code proxy.port} required), so a password given for one proxy never goes to another; else the proxy of the
 * defaults applies. {@code proxy.exceptions} (curl's {@code NO_PROXY} syntax) of the endpoint replaces that of
 * the defaults; an endpoint it matches is reached directly ({@code proxy.exceptions = *} turns the defaults'
 * proxy off for one endpoint). {@code proxy.tunnel} ({@link ProxyOptions#tunnel()}: {@code http} endpoints too go
 * through a CONNECT tunnel) is, like {@code proxy.exceptions}, not part of the whole proxy: it holds no secret and
 * says how a proxy is used, not which one. The endpoint's value applies if it sets one, else the defaults', to
 * whichever proxy the endpoint uses (its own or the defaults'); setting it alone does not give an endpoint its own
 * proxy. Without a proxy it has no effect.
 */
public final class CacheKeys {
    private static final OptionTable<CacheOptions.Builder, CacheOptions> TABLE = new OptionTable<>();

    public static final ConfigOption<Duration> KEEP = TABLE.add(ConfigOption.duration("keep", Duration.ofSeconds(60),
            "Cache: keep", "Connection cache (ConnectionFactory.cache()): a connection with nothing to do for this "
                    + "long is shut down."), CacheOptions.Builder::keep, CacheOptions::keep);
    public static final ConfigOption<Integer> RETRY = TABLE.add(ConfigOption.integer("retry", 2, 0, 100,
            "Cache: retry", "How many times the cache sends a request that failed with RetryException again, on "
                    + "another connection (an idempotent request left unanswered by a timeout included). Never a "
                    + "request that may have been processed, nor one whose body is a one-shot stream."), CacheOptions.Builder::retry, CacheOptions::retry);
    public static final ConfigOption<Integer> PARALLEL = TABLE.add(ConfigOption.integer("parallel", 4, 1,
            Integer.MAX_VALUE, "Cache: parallel", "The most connections the cache opens to one endpoint "
                    + "(connecting and closing ones included; one that has had the last request the server allows "
                    + "finishes beside its successor)."), CacheOptions.Builder::parallel,
            CacheOptions::parallel);
    public static final ConfigOption<Integer> DEPTH = TABLE.add(ConfigOption.integer("depth", 100, 1,
            Integer.MAX_VALUE, "Cache: depth", "The most unfulfilled requests the cache queues on one pipelining "
                    + "connection; past it, a request waits for room."), CacheOptions.Builder::depth,
            CacheOptions::depth);
    public static final ConfigOption<Duration> WAIT_TIMEOUT = TABLE.add(ConfigOption.duration("waitTimeout",
            Duration.ofSeconds(30), "Cache: wait timeout", "How long a request may wait for room (every connection "
                    + "at depth, parallel of them) before it fails with a CACHE_WAIT timeout."),
            CacheOptions.Builder::waitTimeout, CacheOptions::waitTimeout);
    public static final ConfigOption<Integer> MAX_WAITING = TABLE.add(ConfigOption.integer("maxWaiting", 10_000, 1,
            Integer.MAX_VALUE, "Cache: most waiting requests", "The most requests that may wait for room for one "
                    + "endpoint; a request that finds the queue full fails at once, never sent (a RetryException "
                    + "naming maxWaiting)."), CacheOptions.Builder::maxWaiting, CacheOptions::maxWaiting);
    public static final ConfigOption<Boolean> REUSE = TABLE.add(ConfigOption.bool("reuse", true,
            "Cache: reuse connections", "false: no cache, a fresh connection per request, closed once its response "
                    + "is read (parallel, depth and keep do not apply)."), CacheOptions.Builder::reuse,
            CacheOptions::reuse);

    public static final String PROXY_HOST = "proxy.host";
    public static final String PROXY_PORT = "proxy.port";
    public static final String PROXY_USER = "proxy.user";
    public static final String PROXY_PASSWORD = "proxy.password";
    public static final String PROXY_EXCEPTIONS = "proxy.exceptions";
    public static final String PROXY_TUNNEL = "proxy.tunnel";

    private static final ConfigOption<Integer> PORT = ConfigOption.integer(PROXY_PORT, 1, 65535, "Proxy port",
            "The proxy's port; required with proxy.host.");

    /** The proxy keys declared as options (read by {@link #proxy}, which knows how they combine). */
    private static final List<ConfigOption<?>> PROXY_OPTIONS = List.of(
            ConfigOption.string(PROXY_HOST, null, "Proxy host", "An HTTP proxy for every endpoint (unless an "
                    + "endpoint gives its own or proxy.exceptions matches it): http endpoints are forwarded "
                    + "(absolute-form request-line), https endpoints go through a CONNECT tunnel. Host name or "
                    + "address only. Empty: direct."),
            PORT,
            ConfigOption.string(PROXY_USER, null, "Proxy user", "Sent as Proxy-Authorization: Basic. Empty: none."),
            ConfigOption.password(PROXY_PASSWORD, "Proxy password", "The password of proxy.user. Never logged nor "
                    + "shown."),
            ConfigOption.list(PROXY_EXCEPTIONS, "Proxy exceptions", "Hosts reached directly, in curl's NO_PROXY "
                    + "syntax: a comma list; example.com and .example.com match the name and every name below it; "
                    + "* matches all; IP addresses and CIDR blocks (127.0.0.0/8, ::1); :port restricts an entry."),
            ConfigOption.bool(PROXY_TUNNEL, false, "Proxy tunnel", "true: http endpoints too go through a CONNECT "
                    + "tunnel to the proxy (https endpoints always do) instead of being forwarded in absolute-form. "
                    + "Like proxy.exceptions, it applies to the proxy an endpoint uses, its own or this one, unless "
                    + "the endpoint sets it. No effect without a proxy."));

    /** How a secret is shown. */
    public static final String MASK = Redaction.MASK;

    private static final List<String> PROXY_KEYS = PROXY_OPTIONS.stream().map(ConfigOption::key).toList();
    private static final List<String> KEYS;
    private static final Set<String> KEY_SET;

    static {
        List<String> all = new java.util.ArrayList<>(TABLE.keys());
        all.addAll(PROXY_KEYS);
        KEYS = List.copyOf(all);
        KEY_SET = Set.copyOf(all);
    }

    private CacheKeys() {
    }

    /** Every cache and proxy key, in documentation order. */
    public static List<String> keys() {
        return KEYS;
    }

    public static Set<String> keySet() {
        return KEY_SET;
    }

    /** The cache keys ({@code keep} … {@code reuse}). */
    public static List<String> cacheKeys() {
        return TABLE.keys();
    }

    /** The cache options ({@code keep} … {@code reuse}), in documentation order. */
    public static List<ConfigOption<?>> cacheOptions() {
        return TABLE.options();
    }

    /** The proxy keys ({@code proxy.*}). */
    public static List<String> proxyKeys() {
        return PROXY_KEYS;
    }

    /** The proxy keys declared as options, in documentation order. */
    public static List<ConfigOption<?>> proxyOptions() {
        return PROXY_OPTIONS;
    }

    /**
     * {@code base} with every cache key present in {@code values} applied ({@link CacheOptions#proxies()} is left
     * as it is: see {@link #proxy}).
     *
     * @throws ConfigException naming the first key whose value is unusable
     */
    public static CacheOptions apply(CacheOptions base, ConfigValues values) {
        CacheOptions.Builder b = base.toBuilder();
        TABLE.apply(values, b);
        return b.build();
    }

    /** The effective value of every cache key, formatted as it could be configured. */
    public static Map<String, String> describe(CacheOptions o) {
        return TABLE.describe(o);
    }

    /**
     * A proxy and the hosts reached without it, as configured at one level (the defaults, or an endpoint with
     * what it inherits). {@code proxy} is {@code null} for none; when there is one, its {@link ProxyOptions#tunnel()}
     * equals {@code tunnel}, the value of {@code proxy.tunnel} (kept without a proxy too, for the endpoints that
     * inherit it and give their own proxy).
     */
    public record ProxyConfig(ProxyOptions proxy, NoProxy exceptions, boolean tunnel) {
        public static final ProxyConfig DIRECT = new ProxyConfig(null, NoProxy.none(), false);

        public ProxyConfig(ProxyOptions proxy, NoProxy exceptions) {
            this(proxy, exceptions, proxy != null && proxy.tunnel());
        }

        /** The rules of a connection cache: the proxy for every scheme, except the exceptions. */
        public ProxyRules rules() {
            return proxy == null ? ProxyRules.direct() : ProxyRules.builder().all(proxy).noProxy(exceptions).build();
        }

        /** The proxy of a connection to {@code endpoint}, or {@code null} to connect directly. */
        public ProxyOptions select(Endpoint endpoint) {
            return rules().select(endpoint);
        }

        /** For the console and logs: the password masked. */
        public Map<String, String> describe() {
            Map<String, String> out = new LinkedHashMap<>();
            if (proxy == null) {
                out.put("proxy", "direct");
            } else {
                out.put(PROXY_HOST, proxy.address().host());
                out.put(PROXY_PORT, String.valueOf(proxy.address().port()));
                if (proxy.user() != null) {
                    out.put(PROXY_USER, proxy.user());
                    out.put(PROXY_PASSWORD, MASK);
                }
            }
            if (!exceptions.equals(NoProxy.none())) out.put(PROXY_EXCEPTIONS, exceptions.toString());
            if (tunnel) out.put(PROXY_TUNNEL, "true");
            return out;
        }

        @Override
        public String toString() {
            return "ProxyConfig" + describe();
        }
    }

    /**
     * The proxy configured in {@code values}, over {@code inherited} (the defaults' proxy when reading an
     * endpoint; {@code null} when reading the defaults). See the class comment for how the levels combine.
     *
     * @throws ConfigException naming the key whose value is unusable (never quoting the password)
     */
    public static ProxyConfig proxy(ConfigValues values, ProxyConfig inherited) {
        ProxyConfig base = inherited == null ? ProxyConfig.DIRECT : inherited;
        ProxyOptions proxy = base.proxy();
        boolean own = values.has(PROXY_HOST) || values.has(PROXY_PORT) || values.has(PROXY_USER)
                || values.has(PROXY_PASSWORD);
        if (own) proxy = ownProxy(values, inherited != null);
        boolean tunnel = values.has(PROXY_TUNNEL) ? values.bool(PROXY_TUNNEL, false) : base.tunnel();
        if (proxy != null && proxy.tunnel() != tunnel) proxy = proxy.toBuilder().tunnel(tunnel).build();
        NoProxy exceptions = base.exceptions();
        if (values.has(PROXY_EXCEPTIONS)) {
            try {
                exceptions = NoProxy.parse(values.list(PROXY_EXCEPTIONS));
            } catch (IllegalArgumentException e) {
                throw values.error(PROXY_EXCEPTIONS, e.getMessage());
            }
        }
        return new ProxyConfig(proxy, exceptions, tunnel);
    }

    private static ProxyOptions ownProxy(ConfigValues values, boolean endpoint) {
        String host = values.string(PROXY_HOST);
        if (host == null) {
            String given = values.has(PROXY_PORT) ? PROXY_PORT : values.has(PROXY_USER) ? PROXY_USER : PROXY_PASSWORD;
            throw values.error(PROXY_HOST, "missing, but " + given + " is set" + (endpoint
                    ? " (an endpoint that sets any proxy key gives its whole proxy: proxy.host, proxy.port and, "
                    + "if needed, proxy.user and proxy.password)" : ""));
        }
        if (host.contains("://") || host.contains("/") || host.contains("@")) {
            throw values.error(PROXY_HOST, Printable.singleQuote(Redaction.uri(host))
                    + " is not a host name or "
                    + "address (give the port in proxy.port, credentials in proxy.user and proxy.password)");
        }
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (!values.has(PROXY_PORT)) {
            throw values.error(PROXY_PORT, "missing: the port of proxy " + host + " (e.g. 3128)");
        }
        int port = PORT.read(values);
        Endpoint address;
        try {
            address = Endpoint.http(host, port);
        } catch (IllegalArgumentException e) {
            throw values.error(PROXY_HOST, e.getMessage());
        }
        ProxyOptions.Builder b = ProxyOptions.builder(address);
        String user = values.string(PROXY_USER);
        boolean hasPassword = values.has(PROXY_PASSWORD);
        if (user == null && hasPassword) throw values.error(PROXY_PASSWORD, "set without proxy.user");
        if (user != null) {
            char[] password = hasPassword ? values.secret(PROXY_PASSWORD) : null;
            try {
                b.credentials(user, password == null ? null : new String(password));
            } catch (IllegalArgumentException e) {
                throw values.error(PROXY_USER, "must not contain ':' (RFC 7617)");
            }
        }
        return b.build();
    }

    /**
     * A value of one of these keys as the console may show it: the password masked, and credentials someone
     * wrote into {@code proxy.host} ({@code user:password@host}) too.
     */
    public static String show(String key, String value) {
        if (PROXY_PASSWORD.equals(key)) return MASK;
        return PROXY_HOST.equals(key) ? Redaction.uri(value) : value;
    }
}
