package io.pipelane;

import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Which proxy, if any, a connection to an endpoint goes through: a proxy per scheme ({@code http},
 * {@code https}), a default for every scheme, and the hosts reached directly ({@link NoProxy}). Immutable; used
 * by {@link ConnectionCache} through {@link CacheOptions#proxies()}.
 *
 * <p>{@link #select(Endpoint)} answers, in this order: Unix socket endpoints and endpoints matched by the
 * no-proxy list go direct; else the proxy of the endpoint's scheme; else the all-schemes proxy; else direct.
 */
public final class ProxyRules {
    private static final ProxyRules DIRECT = new Builder().build();

    private final ProxyOptions http;
    private final ProxyOptions https;
    private final ProxyOptions all;
    private final NoProxy noProxy;

    private ProxyRules(Builder b) {
        this.http = b.http;
        this.https = b.https;
        this.all = b.all;
        this.noProxy = b.noProxy;
    }

    /** No proxy at all. */
    public static ProxyRules direct() {
        return DIRECT;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().http(http).https(https).all(all).noProxy(noProxy);
    }

    /**
     * The rules curl reads from the environment: {@code http_proxy}, {@code https_proxy} (or
     * {@code HTTPS_PROXY}), {@code all_proxy} (or {@code ALL_PROXY}) and {@code no_proxy} (or
     * {@code NO_PROXY}). Like curl, the upper-case {@code HTTP_PROXY} is not read (a CGI program gets it from
     * a request header).
     *
     * @throws IllegalArgumentException naming the variable whose value is invalid
     */
    public static ProxyRules fromEnvironment(Map<String, String> env) {
        Function<String, String> get = name -> {
            String v = env.get(name);
            if (v == null || v.isBlank()) v = env.get(name.toUpperCase(java.util.Locale.ROOT));
            return v == null || v.isBlank() ? null : v;
        };
        Builder b = builder();
        String http = env.get("http_proxy");
        if (http != null && !http.isBlank()) b.http(parse("http_proxy", http));
        String https = get.apply("https_proxy");
        if (https != null) b.https(parse("https_proxy", https));
        String all = get.apply("all_proxy");
        if (all != null) b.all(parse("all_proxy", all));
        String no = get.apply("no_proxy");
        if (no != null) b.noProxy(NoProxy.parse(no));
        return b.build();
    }

    private static ProxyOptions parse(String variable, String value) {
        try {
            return ProxyOptions.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(variable + ": " + e.getMessage(), e);
        }
    }

    /** The proxy for {@code http} endpoints, or {@code null} (then {@link #all()} applies). */
    public ProxyOptions http() {
        return http;
    }

    /** The proxy for {@code https} endpoints, or {@code null} (then {@link #all()} applies). */
    public ProxyOptions https() {
        return https;
    }

    /** The proxy for every scheme without its own, or {@code null}. */
    public ProxyOptions all() {
        return all;
    }

    /** The hosts reached directly. */
    public NoProxy noProxy() {
        return noProxy;
    }

    /** Whether no proxy is configured. */
    public boolean isDirect() {
        return http == null && https == null && all == null;
    }

    /** The proxy for a connection to {@code endpoint}, or {@code null} to connect directly. */
    public ProxyOptions select(Endpoint endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        if (isDirect() || noProxy.matches(endpoint)) return null;
        ProxyOptions own = endpoint.scheme() == Endpoint.Scheme.HTTPS ? https : http;
        return own != null ? own : all;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ProxyRules)) return false;
        ProxyRules r = (ProxyRules) o;
        return Objects.equals(http, r.http) && Objects.equals(https, r.https) && Objects.equals(all, r.all)
                && noProxy.equals(r.noProxy);
    }

    @Override
    public int hashCode() {
        return Objects.hash(http, https, all, noProxy);
    }

    @Override
    public String toString() {
        if (isDirect()) return "ProxyRules{direct}";
        return "ProxyRules{http=" + http + ", https=" + https + ", all=" + all + ", noProxy=" + noProxy + "}";
    }

    /** Builds {@link ProxyRules}. */
    public static final class Builder {
        private ProxyOptions http;
        private ProxyOptions https;
        private ProxyOptions all;
        private NoProxy noProxy = NoProxy.none();

        private Builder() {
        }

        /** The proxy for {@code http} endpoints; {@code null} for none of its own. */
        public Builder http(ProxyOptions proxy) {
            this.http = proxy;
            return this;
        }

        /** The proxy for {@code https} endpoints; {@code null} for none of its own. */
        public Builder https(ProxyOptions proxy) {
            this.https = proxy;
            return this;
        }

        /** The proxy for every scheme without its own; {@code null} for none. */
        public Builder all(ProxyOptions proxy) {
            this.all = proxy;
            return this;
        }

        /** The hosts reached directly. */
        public Builder noProxy(NoProxy noProxy) {
            this.noProxy = Objects.requireNonNull(noProxy, "noProxy");
            return this;
        }

        /** The hosts reached directly, in curl's {@code NO_PROXY} syntax. */
        public Builder noProxy(String list) {
            return noProxy(NoProxy.parse(list));
        }

        public ProxyRules build() {
            return new ProxyRules(this);
        }
    }
}
