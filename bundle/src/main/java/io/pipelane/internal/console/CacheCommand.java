package io.pipelane.internal.console;

import io.pipelane.CacheMetrics;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.internal.config.CacheKeys;
import io.pipelane.internal.config.ConfigModel;
import io.pipelane.internal.config.Redaction;
import io.pipelane.internal.osgi.PipelaneRuntime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code pipelane:cache [endpoint]}: each consumer bundle's connection cache ({@code ConnectionFactory.cache()}):
 * per endpoint its options and proxy (password masked), its metrics and its connections.
 */
@Component(service = CacheCommand.class, immediate = true, property = {Usage.SCOPE, "osgi.command.function=cache"})
public final class CacheCommand {
    static final String DESCRIPTION = "shows each consumer bundle's connection cache: per endpoint its options, "
            + "proxy, metrics and connections";
    static final String ENDPOINT = "only this endpoint: a configured endpoint's name or a URI";
    static final Usage USAGE = new Usage("cache", DESCRIPTION, Usage.Param.optional("endpoint", ENDPOINT));

    private final PipelaneRuntime runtime;

    @Activate
    public CacheCommand(@Reference PipelaneRuntime runtime) {
        this.runtime = runtime;
    }

    @Descriptor(DESCRIPTION)
    public void cache() {
        System.out.print(text(null));
    }

    @Descriptor(DESCRIPTION)
    public void cache(@Descriptor(ENDPOINT) String endpoint) {
        if (endpoint.equals("--help") || endpoint.equals("-h")) {
            System.out.print(USAGE.text());
        } else {
            System.out.print(text(endpoint));
        }
    }

    /** Any other arguments: the usage and an error. */
    @Descriptor(DESCRIPTION)
    public void cache(Object... words) {
        List<String> args = USAGE.check(words, System.out);
        if (args != null) System.out.print(text(args.isEmpty() ? null : args.get(0)));
    }

    String text(String endpoint) {
        List<PipelaneRuntime.CacheView> caches = runtime.caches();
        if (caches.isEmpty()) {
            return "No connection cache in use (a consumer bundle gets one with ConnectionFactory.cache()).\n";
        }
        ConfigModel.Result r = runtime.configuration();
        StringBuilder out = new StringBuilder();
        for (PipelaneRuntime.CacheView v : caches) {
            ConnectionCache cache = v.cache();
            out.append("Cache of ").append(v.owner()).append('\n');
            out.append("  defaults: ").append(Text.settings(CacheKeys.describe(cache.options())));
            if (r != null && r.proxyDefaults() != null) {
                out.append(", proxy ").append(Proxies.describe(r.proxyDefaults()));
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
            Text.table(out, rows);
            Map<String, List<Connection>> connections = cache.connections();
            for (CacheMetrics m : metrics) {
                out.append("  ").append(m.key()).append(": ");
                ConfigModel.EndpointStatus named = r == null ? null : r.validEndpoint(m.key());
                if (named != null) {
                    out.append(Text.settings(CacheKeys.describe(named.cache()))).append(", proxy ")
                            .append(Proxies.line(named));
                } else {
                    io.pipelane.ProxyOptions p = m.endpoint() == null ? null
                            : cache.options().proxies().select(m.endpoint());
                    out.append(Text.settings(CacheKeys.describe(cache.options()))).append(", proxy ")
                            .append(Proxies.describe(p));
                }
                out.append('\n');
                for (Connection c : connections.getOrDefault(m.key(), List.of())) {
                    out.append("    ").append(Text.connectionName(c)).append("  ").append(c.state().name())
                            .append("  length=").append(c.length())
                            .append(c.isPipelining() ? "  pipelining" : "").append('\n');
                }
            }
        }
        return out.toString();
    }
}
