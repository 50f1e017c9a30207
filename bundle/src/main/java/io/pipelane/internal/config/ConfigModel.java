package io.pipelane.internal.config;

import io.pipelane.CacheOptions;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.TlsOptions;
import io.pipelane.internal.codec.Printable;
import io.pipelane.internal.engine.NamedEndpoint;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;

/**
 * Turns the three kinds of configuration (defaults, TLS contexts, endpoints) into what the factory uses: the
 * default options and the valid named endpoints, plus a status for each configuration that says what is wrong
 * with it. An endpoint whose configuration (or whose TLS context) is invalid is not offered: there are no
 * silent defaults. Plain Java, no OSGi.
 */
public final class ConfigModel {
    public static final String NAME = "name";
    public static final String URI = "uri";
    public static final String TLS = "tls";

    /** Keys every configuration may carry that are not Pipelane's. */
    private static final List<String> FOREIGN_PREFIXES = List.of("service.", "component.", "felix.", "osgi.",
            "org.apache.karaf.", "objectClass", ".", "configurationAdmin.", ":org.apache.felix");

    private ConfigModel() {
    }

    /**
     * A TLS context configuration and what became of it. {@code settings} show the secrets masked;
     * {@code secrets} is a digest of the secret values, which changes when a password changes (it shows nothing).
     */
    public record TlsStatus(String name, String source, Map<String, String> settings, SecretDigest secrets,
                            TlsOptions options, String error, List<String> warnings) {
        public boolean valid() {
            return error == null;
        }
    }

    /**
     * An endpoint configuration and what became of it. {@code options} carry the endpoint's proxy (or none when
     * it is reached directly); {@code cache} are the options of its connection cache; {@code proxy} is the proxy
     * configuration it resolved to; {@code overrides} show a password masked.
     */
    public record EndpointStatus(String name, String source, String uri, String tls, ConnectionOptions options,
                                 CacheOptions cache, CacheKeys.ProxyConfig proxy, Map<String, String> overrides,
                                 String error, List<String> warnings) {
        public boolean valid() {
            return error == null;
        }
    }

    /**
     * The outcome. {@code defaults}, {@code cacheDefaults} and {@code proxyDefaults} are the defaults in force:
     * those of the defaults configuration when it is valid; when it is not ({@code defaultsError} says why), those
     * of the last valid one, or the built-in defaults if none was ever valid ({@code defaultsInForce} says which;
     * {@code null} when the configuration itself is in force). {@code cacheDefaults} are the options of a cache
     * for endpoints given as URIs (their proxies from the defaults' proxy keys); {@code caches} the options of
     * each valid named endpoint's cache.
     */
    public record Result(ConnectionOptions defaults, String defaultsError, String defaultsInForce,
                         List<String> defaultsWarnings,
                         Map<String, NamedEndpoint> endpoints, List<EndpointStatus> endpointStatus,
                         List<TlsStatus> tlsStatus, CacheOptions cacheDefaults, CacheKeys.ProxyConfig proxyDefaults,
                         Map<String, CacheOptions> caches) {
        /** Every error, one line each. */
        public List<String> errors() {
            List<String> out = new ArrayList<>();
            if (defaultsError != null) out.add(defaultsError);
            tlsStatus.stream().filter(t -> !t.valid()).forEach(t -> out.add(t.error()));
            endpointStatus.stream().filter(e -> !e.valid()).forEach(e -> out.add(e.error()));
            return out;
        }

        /** Every warning, one line each. */
        public List<String> warnings() {
            List<String> out = new ArrayList<>(defaultsWarnings);
            tlsStatus.forEach(t -> out.addAll(t.warnings()));
            endpointStatus.forEach(e -> out.addAll(e.warnings()));
            return out;
        }

        /** The status of the valid endpoint of that name, or null. */
        public EndpointStatus validEndpoint(String name) {
            for (EndpointStatus s : endpointStatus) {
                if (name.equals(s.name()) && s.valid()) return s;
            }
            return null;
        }

        /**
         * Whether a connection to the endpoint {@code name} made under {@code previous} is still one this
         * configuration would make: same URI, connection options, proxy (password included) and TLS context
         * settings, its secrets included (compared by digest, see {@link SecretDigest}). False when the endpoint is
         * not offered in either.
         */
        public boolean sameConnections(String name, Result previous) {
            if (previous == null) return false;
            EndpointStatus now = validEndpoint(name);
            EndpointStatus before = previous.validEndpoint(name);
            if (now == null || before == null) return false;
            return Objects.equals(now.uri(), before.uri()) && Objects.equals(now.tls(), before.tls())
                    && OptionKeys.describe(now.options()).equals(OptionKeys.describe(before.options()))
                    && Objects.equals(now.options().proxy(), before.options().proxy())
                    && sameTls(tls(now.tls()), previous.tls(before.tls()));
        }

        private static boolean sameTls(TlsStatus now, TlsStatus before) {
            if (now == null || before == null) return now == before;
            return now.settings().equals(before.settings()) && now.secrets().equals(before.secrets());
        }

        private TlsStatus tls(String tlsName) {
            if (tlsName == null) return null;
            for (TlsStatus t : tlsStatus) if (tlsName.equals(t.name())) return t;
            return null;
        }

        /** The error that keeps the endpoint of that name from being offered, or null. */
        public String errorFor(String endpointName) {
            for (EndpointStatus s : endpointStatus) {
                if (endpointName.equals(s.name()) && !s.valid()) return s.error();
            }
            return null;
        }
    }

    /**
     * @param defaults  the defaults configuration ({@code null}: none, the code's defaults)
     * @param executor  the executor for every connection, or {@code null} for the factory's own
     */
    public static Result compute(ConfigSource defaults, Collection<ConfigSource> tls, Collection<ConfigSource> endpoints,
                                 Executor executor) {
        return compute(defaults, null, tls, endpoints, executor);
    }

    /**
     * Every configuration is checked on its own: whatever one of them holds (a runtime exception included) makes
     * only that one invalid, with a message naming its PID and key and quoting no secret.
     *
     * @param defaults      the defaults configuration ({@code null}: none, the code's defaults)
     * @param lastValid     the last defaults configuration that was valid, in force while {@code defaults} is
     *                      invalid ({@code null}: the built-in defaults)
     * @param executor      the executor for every connection, or {@code null} for the factory's own
     */
    public static Result compute(ConfigSource defaults, ConfigSource lastValid, Collection<ConfigSource> tls,
                                 Collection<ConfigSource> endpoints, Executor executor) {
        Defaults d = Defaults.BUILT_IN;
        String defaultsError = null;
        String inForce = null;
        List<String> defaultsWarnings = new ArrayList<>();
        if (defaults != null) {
            try {
                d = Defaults.of(defaults);
            } catch (ConfigException e) {
                defaultsError = e.getMessage();
                d = Defaults.BUILT_IN;
                inForce = "the built-in defaults";
                if (lastValid != null) {
                    try {
                        d = Defaults.of(lastValid);
                        inForce = "the last valid " + lastValid.pid();
                    } catch (ConfigException stillBad) {
                        // never: it was valid
                    }
                }
            }
            defaultsWarnings.addAll(unknownKeys(defaults.values(), Set.of(OptionKeys.EXECUTOR_TARGET.key())));
        }
        ConnectionOptions base = d.options();
        CacheOptions cacheBase = d.cache().toBuilder().proxies(d.proxy().rules()).build();
        CacheKeys.ProxyConfig proxyBase = d.proxy();
        if (executor != null) base = base.toBuilder().executor(executor).build();

        // TLS contexts by name; a name used twice is an error for both.
        List<TlsStatus> tlsStatus = new ArrayList<>();
        Map<ConfigSource, String> nameErrors = new java.util.HashMap<>();
        Map<String, List<ConfigSource>> tlsByName = byName(tls, nameErrors);
        for (Map.Entry<String, List<ConfigSource>> e : tlsByName.entrySet()) {
            for (ConfigSource s : e.getValue()) {
                tlsStatus.add(tlsStatus(e.getKey(), s, e.getValue(), nameErrors.get(s)));
            }
        }
        Map<String, TlsStatus> tlsNamed = new TreeMap<>();
        for (TlsStatus t : tlsStatus) if (t.name() != null) tlsNamed.putIfAbsent(t.name(), t);

        List<EndpointStatus> endpointStatus = new ArrayList<>();
        Map<String, NamedEndpoint> valid = new LinkedHashMap<>();
        Map<String, CacheOptions> caches = new LinkedHashMap<>();
        Map<String, List<ConfigSource>> epByName = byName(endpoints, nameErrors);
        for (Map.Entry<String, List<ConfigSource>> e : epByName.entrySet()) {
            for (ConfigSource s : e.getValue()) {
                EndpointStatus st = endpointStatus(e.getKey(), s, e.getValue(), nameErrors.get(s), base, cacheBase,
                        proxyBase, tlsNamed);
                endpointStatus.add(st);
                if (st.valid()) {
                    valid.put(st.name(), new NamedEndpoint(st.name(), Endpoint.of(st.uri()), st.options()));
                    caches.put(st.name(), st.cache());
                }
            }
        }
        return new Result(base, defaultsError, inForce, List.copyOf(defaultsWarnings), Map.copyOf(valid),
                List.copyOf(endpointStatus), List.copyOf(tlsStatus), cacheBase, proxyBase, Map.copyOf(caches));
    }

    /** The options a defaults configuration gives. */
    private record Defaults(ConnectionOptions options, CacheOptions cache, CacheKeys.ProxyConfig proxy) {
        static final Defaults BUILT_IN = new Defaults(ConnectionOptions.defaults(), CacheOptions.defaults(),
                CacheKeys.ProxyConfig.DIRECT);

        /** @throws ConfigException whatever is wrong with it, an unexpected runtime exception included */
        static Defaults of(ConfigSource source) {
            ConfigValues v = source.values();
            try {
                return new Defaults(OptionKeys.apply(ConnectionOptions.defaults(), v),
                        CacheKeys.apply(CacheOptions.defaults(), v), CacheKeys.proxy(v, null));
            } catch (ConfigException e) {
                throw e;
            } catch (RuntimeException e) {
                throw unexpected(source, e);
            }
        }
    }

    /**
     * A runtime exception no check foresaw, as the error of the configuration that caused it: its type and message,
     * any URI in it redacted (it never holds a password: secrets are only read by {@link ConfigValues#secret}).
     */
    static ConfigException unexpected(ConfigSource source, RuntimeException e) {
        return new ConfigException(source.label(), null, "cannot be used: " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + Redaction.uri(e.getMessage())));
    }

    /**
     * Groups configurations by their {@code name} (else alias); those without either under the key "". One whose
     * name cannot be read (two values) is put in a group of its own, with its error in {@code nameErrors}.
     */
    private static Map<String, List<ConfigSource>> byName(Collection<ConfigSource> sources,
                                                          Map<ConfigSource, String> nameErrors) {
        Map<String, List<ConfigSource>> out = new TreeMap<>();
        List<ConfigSource> sorted = new ArrayList<>(sources);
        sorted.sort(Comparator.comparing(ConfigSource::pid));
        for (ConfigSource s : sorted) {
            String name;
            try {
                name = nameOf(s);
            } catch (RuntimeException e) {
                nameErrors.put(s, e instanceof ConfigException ? e.getMessage() : unexpected(s, e).getMessage());
                name = "\0" + s.pid(); // in a group of its own: no name sorts or clashes with it
            }
            out.computeIfAbsent(name == null ? "" : name, k -> new ArrayList<>()).add(s);
        }
        return out;
    }

    private static String nameOf(ConfigSource s) {
        String name = s.values().string(NAME);
        return name != null ? name : s.alias();
    }

    private static String checkName(ConfigSource s, String name, List<ConfigSource> sameName, String nameError) {
        if (nameError != null) return nameError;
        if (name.isEmpty()) {
            return s.label() + ": key 'name': missing (and the configuration has no alias to take it from)";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isWhitespace(c) || c == ',' || c == '(' || c == ')' || c == '*' || c == '\\' || c == '='
                    || c < 0x20) {
                return s.label() + ": key 'name': " + Printable.singleQuote(name)
                        + " must not contain spaces, commas or any of ()*\\=";
            }
        }
        if (sameName.size() > 1) {
            List<String> others = new ArrayList<>();
            for (ConfigSource o : sameName) if (o != s) others.add(o.label());
            return s.label() + ": key 'name': " + Printable.singleQuote(name) + " is also the name of "
                    + String.join(", ", others)
                    + " (neither is used)";
        }
        return null;
    }

    private static TlsStatus tlsStatus(String name, ConfigSource s, List<ConfigSource> sameName, String nameError) {
        ConfigValues v = s.values();
        String shownName = nameError != null || name.isEmpty() ? null : name;
        Map<String, String> settings = Map.of();
        SecretDigest secrets = null;
        String error = checkName(s, name, sameName, nameError);
        TlsOptions options = null;
        try {
            settings = TlsConfig.describe(v);
            secrets = SecretDigest.of(v, TlsConfig.SECRETS);
            if (error == null) options = TlsConfig.build(v);
        } catch (ConfigException e) {
            if (error == null) error = e.getMessage();
        } catch (RuntimeException e) {
            if (error == null) error = unexpected(s, e).getMessage();
        }
        return new TlsStatus(shownName, s.label(), settings, secrets, error == null ? options : null, error,
                unknownKeys(v, TlsConfig.KEYS));
    }

    private static EndpointStatus endpointStatus(String name, ConfigSource s, List<ConfigSource> sameName,
                                                 String nameError, ConnectionOptions base, CacheOptions cacheBase,
                                                 CacheKeys.ProxyConfig proxyBase, Map<String, TlsStatus> tls) {
        ConfigValues v = s.values();
        String uri = null;
        String tlsName = null;
        ConnectionOptions options = null;
        CacheOptions cache = null;
        CacheKeys.ProxyConfig proxy = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String k : OptionKeys.keys()) if (v.has(k)) overrides.put(k, String.join(",", v.list(k)));
        for (String k : CacheKeys.keys()) {
            if (v.has(k)) overrides.put(k, CacheKeys.show(k, String.join(",", v.list(k))));
        }
        List<String> warnings = unknownKeys(v, Set.of(NAME, URI, TLS));
        String error = checkName(s, name, sameName, nameError);
        try {
            if (error != null) throw new ConfigException(s.label(), null, "");
            String given = v.string(URI);
            uri = Redaction.uri(given); // shown and quoted; a URI with user-info is refused below anyway
            if (given == null) throw v.error(URI, "missing (e.g. http://host:port, https://host:port, unix:/path)");
            Endpoint endpoint;
            try {
                endpoint = Endpoint.of(given);
            } catch (IllegalArgumentException e) {
                throw v.error(URI, e.getMessage());
            }
            if (v.has(OptionKeys.EXECUTOR_TARGET.key())) {
                throw v.error(OptionKeys.EXECUTOR_TARGET.key(), "can only be set in the defaults configuration (io.pipelane)");
            }
            options = OptionKeys.apply(base, v);
            cache = CacheKeys.apply(cacheBase, v);
            proxy = CacheKeys.proxy(v, proxyBase);
            cache = cache.toBuilder().proxies(proxy.rules()).build();
            options = options.toBuilder().proxy(proxy.select(endpoint)).build();
            tlsName = v.string(TLS);
            if (tlsName != null) {
                if (!endpoint.isSecure()) {
                    throw v.error(TLS, "TLS context " + Printable.singleQuote(tlsName)
                            + " given for an endpoint that is not https: " + uri);
                }
                TlsStatus t = tls.get(tlsName);
                if (t == null) {
                    throw v.error(TLS, "no TLS context named " + Printable.singleQuote(tlsName)
                            + " is configured (io.pipelane.tls"
                            + (tls.isEmpty() ? "" : "; configured: " + String.join(", ", tls.keySet())) + ")");
                }
                if (!t.valid()) throw v.error(TLS, "TLS context " + Printable.singleQuote(tlsName) + " is invalid: "
                        + t.error());
                options = options.toBuilder().tls(t.options()).build();
            }
        } catch (RuntimeException e) {
            // Nothing half-applied: an endpoint is offered whole or not at all.
            if (error == null) error = e instanceof ConfigException ? e.getMessage() : unexpected(s, e).getMessage();
            options = null;
            cache = null;
            proxy = null;
        }
        return new EndpointStatus(nameError != null || name.isEmpty() ? null : name, s.label(), uri, tlsName, options, cache, proxy,
                overrides, error, List.copyOf(warnings));
    }

    /** Warnings for keys that are neither known nor set by the framework (a typo would otherwise go unseen). */
    private static List<String> unknownKeys(ConfigValues v, Set<String> extra) {
        List<String> out = new ArrayList<>();
        for (String k : new TreeMap<>(v.properties()).keySet()) {
            if (OptionKeys.keySet().contains(k) || CacheKeys.keySet().contains(k) || extra.contains(k)) continue;
            if (FOREIGN_PREFIXES.stream().anyMatch(k::startsWith)) continue;
            out.add(v.source() + ": key " + Printable.singleQuote(k) + " is not a Pipelane key and is ignored");
        }
        return out;
    }

}
