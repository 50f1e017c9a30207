package io.pipelane.internal.console;

import io.pipelane.CacheMetrics;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.internal.config.CacheKeys;
import io.pipelane.internal.config.ConfigModel;
import io.pipelane.internal.config.ConfigValues;
import io.pipelane.internal.config.OptionKeys;
import io.pipelane.internal.config.Redaction;
import io.pipelane.internal.osgi.PipelaneRuntime;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Console commands, registered the Gogo way (service properties {@code osgi.command.scope} and
 * {@code osgi.command.function}), so neither Gogo nor the Karaf shell API is imported; Felix's Gogo shell and
 * Karaf's console both pick them up.
 * <ul>
 *   <li>{@code pipelane:endpoints}: the defaults, each endpoint with its effective settings and status, each TLS
 *       context (passwords masked).</li>
 *   <li>{@code pipelane:connections}: the live connections: endpoint, state, {@code length()}, owner.</li>
 *   <li>{@code pipelane:get <endpoint> <path> [count]}: sends {@code count} GET requests (default 1) on one
 *       connection, pipelined, and prints each status and the total time.</li>
 *   <li>{@code pipelane:cache [endpoint]}: each consumer bundle's connection cache ({@code ConnectionFactory.cache()}):
 *       per endpoint its options and proxy (password masked), its metrics and its connections.</li>
 * </ul>
 */
@Component(service = PipelaneCommands.class, property = {
        "osgi.command.scope=pipelane",
        "osgi.command.function=endpoints",
        "osgi.command.function=connections",
        "osgi.command.function=get",
        "osgi.command.function=cache"})
public final class PipelaneCommands {
    /** The most requests one {@code get} sends. */
    static final int MAX_COUNT = 10_000;

    private final PipelaneRuntime runtime;

    @Activate
    public PipelaneCommands(@Reference PipelaneRuntime runtime) {
        this.runtime = runtime;
    }

    /** {@code pipelane:endpoints}. */
    public String endpoints() {
        ConfigModel.Result r = runtime.configuration();
        StringBuilder out = new StringBuilder();
        out.append("ConnectionFactory service: ").append(runtime.serviceStatus()).append('\n');
        if (r == null) return out.toString();
        String executorError = runtime.executorError();
        if (executorError != null) out.append("Executor: INVALID, not applied: ").append(executorError).append('\n');
        if (r.defaultsError() != null) {
            out.append("Defaults (io.pipelane): INVALID, not applied: ").append(r.defaultsError()).append('\n');
            out.append("  in force: ").append(r.defaultsInForce())
                    .append(" (fix or delete the configuration to recover)\n");
        }
        out.append(r.defaultsError() != null ? "Defaults in force: " : "Defaults (io.pipelane): ")
                .append(settings(OptionKeys.describe(r.defaults()))).append('\n');
        out.append("  cache: ").append(settings(CacheKeys.describe(r.cacheDefaults()))).append('\n');
        out.append("  proxy: ").append(settings(r.proxyDefaults().describe())).append('\n');
        out.append('\n');
        if (r.endpointStatus().isEmpty()) {
            out.append("No endpoints configured (factory PID io.pipelane.endpoint).\n");
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"NAME", "URI", "TLS", "STATUS"});
            for (ConfigModel.EndpointStatus e : r.endpointStatus()) {
                rows.add(new String[] {String.valueOf(e.name()), e.uri() == null ? "-" : e.uri(),
                        e.tls() == null ? "-" : e.tls(), e.valid() ? "OK" : "INVALID"});
            }
            table(out, rows);
            for (ConfigModel.EndpointStatus e : r.endpointStatus()) {
                out.append('\n').append(e.name()).append(" (").append(e.source()).append(")\n");
                if (e.valid()) {
                    out.append("  overrides: ").append(e.overrides().isEmpty() ? "none" : settings(e.overrides()))
                            .append('\n');
                    out.append("  effective: ").append(settings(OptionKeys.describe(e.options()))).append('\n');
                    out.append("  cache: ").append(settings(CacheKeys.describe(e.cache()))).append('\n');
                    out.append("  proxy: ").append(proxyLine(e)).append('\n');
                    if (e.options().tls() != null && e.uri() != null && e.uri().startsWith("https")) {
                        out.append("  tls: ").append(e.options().tls()).append('\n');
                    }
                } else {
                    out.append("  error: ").append(e.error()).append('\n');
                }
                for (String w : e.warnings()) out.append("  warning: ").append(w).append('\n');
            }
        }
        out.append('\n');
        if (r.tlsStatus().isEmpty()) {
            out.append("No TLS contexts configured (factory PID io.pipelane.tls).\n");
        } else {
            out.append("TLS contexts:\n");
            for (ConfigModel.TlsStatus t : r.tlsStatus()) {
                out.append("  ").append(t.name()).append(" (").append(t.source()).append("): ")
                        .append(t.valid() ? "OK" : "INVALID").append('\n');
                if (!t.settings().isEmpty()) out.append("    ").append(settings(t.settings())).append('\n');
                if (!t.valid()) out.append("    error: ").append(t.error()).append('\n');
                for (String w : t.warnings()) out.append("    warning: ").append(w).append('\n');
            }
        }
        return out.toString();
    }

    /** {@code pipelane:connections}. */
    public String connections() {
        List<PipelaneRuntime.LiveConnection> live = runtime.connections();
        if (live.isEmpty()) return "No live connections.\n";
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"CONNECTION", "ENDPOINT", "STATE", "LENGTH", "PIPELINING", "OWNER"});
        for (PipelaneRuntime.LiveConnection l : live) {
            Connection c = l.connection();
            String id = c.toString();
            int bracket = id.indexOf('[');
            rows.add(new String[] {bracket > 0 ? id.substring(0, bracket) : id, c.endpoint().toUri(),
                    c.state().name(), String.valueOf(c.length()), c.isPipelining() ? "yes" : "no", l.owner()});
        }
        StringBuilder out = new StringBuilder();
        table(out, rows);
        return out.toString();
    }

    /** {@code pipelane:get <endpoint> <path>}: one request. */
    public String get(String endpoint, String path) throws Exception {
        return get(endpoint, path, 1);
    }

    /**
     * {@code pipelane:get <endpoint> <path> <count>}: {@code count} GETs on one connection, pipelined as the
     * connection allows; prints each status as it arrives, returns the summary.
     *
     * @throws Exception when a request failed (after printing every outcome), so scripts see the failure
     */
    public String get(String endpoint, String path, int count) throws Exception {
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("count must be in 1.." + MAX_COUNT + ", not " + count);
        }
        String target = path.startsWith("/") || path.equals("*") ? path : "/" + path;
        PrintStream out = System.out;
        long start = System.nanoTime();
        Connection c = runtime.create(endpoint);
        List<CompletableFuture<Response<byte[]>>> futures = new ArrayList<>(count);
        boolean pipelined = false;
        int failed = 0;
        Map<Integer, Integer> statuses = new TreeMap<>();
        try {
            for (int i = 0; i < count; i++) futures.add(c.call(Request.get(target)));
            c.shutdown(); // the last request carries Connection: close; the connection ends after its response
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            for (int i = 0; i < count; i++) {
                try {
                    long wait = Math.max(1, deadline - System.nanoTime());
                    Response<byte[]> r = futures.get(i).get(wait, TimeUnit.NANOSECONDS);
                    pipelined |= c.isPipelining();
                    statuses.merge(r.status(), 1, Integer::sum);
                    out.printf(Locale.ROOT, "#%d %s %d %s (%d bytes) after %s%n", i + 1, r.version(), r.status(),
                            r.reason(), r.body().length, millis(System.nanoTime() - start));
                } catch (ExecutionException e) {
                    failed++;
                    Throwable cause = e.getCause();
                    out.printf(Locale.ROOT, "#%d failed: %s%n", i + 1, describe(cause));
                } catch (TimeoutException e) {
                    failed++;
                    out.printf(Locale.ROOT, "#%d gave no outcome in 5 minutes%n", i + 1);
                }
            }
        } finally {
            c.close();
        }
        String summary = String.format(Locale.ROOT, "%d request(s) to %s (%s%s) on one connection%s in %s: %s%s",
                count, Redaction.uri(endpoint), c.endpoint().toUri(), target, pipelined ? ", pipelined" : ", not pipelined",
                millis(System.nanoTime() - start), statuses.isEmpty() ? "no response" : statusSummary(statuses),
                failed == 0 ? "" : ", " + failed + " failed");
        if (failed > 0) throw new IllegalStateException(summary);
        return summary + "\n";
    }

    /** {@code pipelane:cache}: every consumer's cache. */
    public String cache() {
        return cache(null);
    }

    /** {@code pipelane:cache <endpoint>}: every consumer's cache, that endpoint (a name or a URI) only. */
    public String cache(String endpoint) {
        List<PipelaneRuntime.CacheView> caches = runtime.caches();
        if (caches.isEmpty()) {
            return "No connection cache in use (a consumer bundle gets one with ConnectionFactory.cache()).\n";
        }
        ConfigModel.Result r = runtime.configuration();
        StringBuilder out = new StringBuilder();
        for (PipelaneRuntime.CacheView v : caches) {
            ConnectionCache cache = v.cache();
            out.append("Cache of ").append(v.owner()).append('\n');
            out.append("  defaults: ").append(settings(CacheKeys.describe(cache.options())));
            if (r != null && r.proxyDefaults() != null) {
                out.append(", ").append(settings(r.proxyDefaults().describe()));
            }
            out.append('\n');
            List<CacheMetrics> metrics = new ArrayList<>();
            for (CacheMetrics m : cache.metrics()) {
                if (endpoint == null || endpoint.equals(m.key())
                        || (m.endpoint() != null && endpoint.equals(m.endpoint().toUri()))) {
                    metrics.add(m);
                }
            }
            if (metrics.isEmpty()) {
                out.append(endpoint == null ? "  no requests sent yet\n"
                        : "  no requests sent to " + Redaction.uri(endpoint) + "\n");
                continue;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"  ENDPOINT", "URI", "OPEN", "IDLE", "IN-FLIGHT", "WAITING", "REQUESTS", "COMPLETED",
                    "RETRIES", "RE-PLACED", "FAILURES", "OPENED", "LIMIT"});
            for (CacheMetrics m : metrics) {
                rows.add(new String[] {"  " + m.key(), m.endpoint() == null ? "-" : m.endpoint().toUri(),
                        String.valueOf(m.connections()), String.valueOf(m.idleConnections()),
                        String.valueOf(m.inFlight()), String.valueOf(m.waiting()), String.valueOf(m.requests()),
                        String.valueOf(m.completed()), String.valueOf(m.retries()), String.valueOf(m.replaced()),
                        String.valueOf(m.failures()), String.valueOf(m.connectionsOpened()),
                        m.learnedLimit() == 0 ? "-" : String.valueOf(m.learnedLimit())});
            }
            table(out, rows);
            Map<String, List<Connection>> connections = cache.connections();
            for (CacheMetrics m : metrics) {
                out.append("  ").append(m.key()).append(": ");
                ConfigModel.EndpointStatus named = r == null ? null : r.validEndpoint(m.key());
                if (named != null) {
                    out.append(settings(CacheKeys.describe(named.cache()))).append(", proxy ").append(proxyLine(named));
                } else {
                    io.pipelane.ProxyOptions p = m.endpoint() == null ? null
                            : cache.options().proxies().select(m.endpoint());
                    out.append(settings(CacheKeys.describe(cache.options()))).append(", proxy ")
                            .append(p == null ? "direct" : p.toString());
                }
                out.append('\n');
                for (Connection c : connections.getOrDefault(m.key(), List.of())) {
                    String id = c.toString();
                    int bracket = id.indexOf('[');
                    out.append("    ").append(bracket > 0 ? id.substring(0, bracket) : id).append("  ")
                            .append(c.state().name()).append("  length=").append(c.length())
                            .append(c.isPipelining() ? "  pipelining" : "").append('\n');
                }
            }
        }
        return out.toString();
    }

    /** The proxy a valid endpoint's connections go through, the password masked. */
    private static String proxyLine(ConfigModel.EndpointStatus e) {
        io.pipelane.ProxyOptions p = e.options().proxy();
        if (p != null) return p.toString();
        return e.proxy() != null && e.proxy().proxy() != null ? "direct (proxy.exceptions " + e.proxy().exceptions()
                + " matches)" : "direct";
    }

    private static String statusSummary(Map<Integer, Integer> statuses) {
        List<String> parts = new ArrayList<>();
        statuses.forEach((s, n) -> parts.add(n + " x " + s));
        return String.join(", ", parts);
    }

    private static String describe(Throwable t) {
        StringBuilder b = new StringBuilder(t.getClass().getSimpleName() + ": " + t.getMessage());
        Throwable c = t.getCause();
        while (c != null && c != t) {
            b.append(" <- ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
            t = c;
            c = c.getCause();
        }
        return b.toString();
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    private static String settings(Map<String, String> values) {
        StringBuilder b = new StringBuilder();
        values.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        return b.toString();
    }

    private static void table(StringBuilder out, List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) line.append(" ".repeat(width[i] - r[i].length() + 2));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    static String formatDuration(Duration d) {
        return ConfigValues.formatDuration(d);
    }
}
