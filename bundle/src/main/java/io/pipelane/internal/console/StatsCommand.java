package io.pipelane.internal.console;

import io.pipelane.ConnectionEvent.FailureKind;
import io.pipelane.internal.config.ConfigModel;
import io.pipelane.internal.config.Redaction;
import io.pipelane.internal.event.ListenerQueue;
import io.pipelane.internal.osgi.PipelaneRuntime;
import io.pipelane.internal.stats.EndpointStats;
import io.pipelane.internal.stats.LatencyHistogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code pipelane:stats [endpoint]}: per endpoint, the statistics the endpoint MBeans show (the same
 * {@link io.pipelane.internal.stats.Statistics}, fed by the connections' and caches' events), then each
 * connection listener's deliveries and drops.
 */
@Component(service = StatsCommand.class, immediate = true, property = {Usage.SCOPE, "osgi.command.function=stats"})
public final class StatsCommand {
    static final String DESCRIPTION = "shows per endpoint the requests, completed, failed by kind, timeouts by phase, "
            + "retries, re-placements and latency quantiles (what the io.pipelane MBeans show), then each connection "
            + "listener's deliveries and drops";
    static final String ENDPOINT = "only this endpoint: a configured endpoint's name or a URI";
    static final Usage USAGE = new Usage("stats", DESCRIPTION, Usage.Param.optional("endpoint", ENDPOINT));

    private final PipelaneRuntime runtime;

    @Activate
    public StatsCommand(@Reference PipelaneRuntime runtime) {
        this.runtime = runtime;
    }

    @Descriptor(DESCRIPTION)
    public void stats() {
        System.out.print(text(null));
    }

    @Descriptor(DESCRIPTION)
    public void stats(@Descriptor(ENDPOINT) String endpoint) {
        if (endpoint.equals("--help") || endpoint.equals("-h")) {
            System.out.print(USAGE.text());
        } else {
            System.out.print(text(endpoint));
        }
    }

    /** Any other arguments: the usage and an error. */
    @Descriptor(DESCRIPTION)
    public void stats(Object... words) {
        List<String> args = USAGE.check(words, System.out);
        if (args != null) System.out.print(text(args.isEmpty() ? null : args.get(0)));
    }

    /** The statistics of every endpoint, or of {@code only} (a name or a URI). */
    String text(String only) {
        // Each configured endpoint (name to URI), then every endpoint with traffic, in name order.
        Map<String, String> uris = new LinkedHashMap<>();
        ConfigModel.Result r = runtime.configuration();
        if (r != null) {
            for (ConfigModel.EndpointStatus e : r.endpointStatus()) if (e.valid()) uris.put(e.name(), e.uri());
        }
        Map<String, EndpointStats.Snapshot> byEndpoint = new LinkedHashMap<>();
        for (EndpointStats.Snapshot s : runtime.statistics().snapshots()) byEndpoint.put(s.endpoint(), s);
        List<String> names = new ArrayList<>(uris.keySet());
        for (String e : byEndpoint.keySet()) if (!names.contains(e)) names.add(e);
        names.sort(null);

        StringBuilder out = new StringBuilder();
        for (String name : names) {
            String uri = uris.get(name);
            if (only != null && !only.equals(name) && !only.equals(uri)) continue;
            out.append(name).append(uri == null || uri.equals(name) ? "" : "  " + uri).append('\n');
            EndpointStats.Snapshot s = byEndpoint.get(name);
            if (s == null) {
                out.append("  no traffic yet\n");
            } else {
                endpoint(out, s);
            }
        }
        if (out.length() == 0) {
            out.append(only == null ? "No endpoint configured and no traffic yet.\n"
                    : "No statistics for " + Redaction.uri(only) + ": no configured endpoint of that name and no "
                            + "traffic to it.\n");
        }
        out.append('\n');
        listeners(out, runtime.engine().events().listeners());
        return out.toString();
    }

    private static void endpoint(StringBuilder out, EndpointStats.Snapshot s) {
        out.append("  connections  ").append(s.liveConnections()).append(" live, ").append(s.connectionsOpened())
                .append(" opened, ").append(s.connectFailures()).append(" failed to connect; ")
                .append(s.pipeliningConnections()).append(" pipelining, ").append(s.nonPipeliningConnections())
                .append(" not\n");
        out.append("  requests     ").append(s.requests()).append(", ").append(s.inFlight()).append(" in flight, ")
                .append(s.completed()).append(" completed, ").append(s.failures()).append(" failed");
        if (s.failures() > 0) {
            List<String> kinds = new ArrayList<>();
            for (FailureKind k : FailureKind.values()) {
                if (s.failed(k) > 0) kinds.add(k.name().toLowerCase(Locale.ROOT).replace('_', ' ') + " " + s.failed(k));
            }
            out.append(" (").append(String.join(", ", kinds)).append(')');
        }
        out.append('\n');
        out.append("  timeouts     ").append(s.timeoutsByPhase().isEmpty() ? "none" : counts(s.timeoutsByPhase()))
                .append('\n');
        out.append("  resent       ").append(s.retries()).append(" retries, ").append(s.replacements())
                .append(" re-placements")
                .append(s.limits().isEmpty() ? "" : "; limits learned: " + counts(s.limits())).append('\n');
        LatencyHistogram.Snapshot l = s.latency();
        out.append("  latency      ");
        if (l.count() == 0) {
            out.append("no response yet\n");
        } else {
            out.append("p50 ").append(millis(l.quantile(0.5))).append(", p90 ").append(millis(l.quantile(0.9)))
                    .append(", p99 ").append(millis(l.quantile(0.99))).append(", max ").append(millis(l.max()))
                    .append(" (").append(l.count()).append(" responses)\n");
        }
        out.append("  bytes        ").append(s.bytesWritten()).append(" written, ").append(s.bodyBytesRead())
                .append(" of response bodies read\n");
    }

    private static void listeners(StringBuilder out, List<ListenerQueue.ListenerStatus> listeners) {
        if (listeners.isEmpty()) {
            out.append("Connection listeners: none registered.\n");
            return;
        }
        out.append("Connection listeners:\n");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"  LISTENER", "ENDPOINTS", "DELIVERED", "DROPPED", "FAILED", "QUEUED"});
        for (ListenerQueue.ListenerStatus l : listeners) {
            rows.add(new String[] {"  " + l.name(), l.endpoints() == null ? "all" : String.join(",", l.endpoints()),
                    String.valueOf(l.delivered()), String.valueOf(l.dropped()), String.valueOf(l.failures()),
                    String.valueOf(l.queued())});
        }
        Text.table(out, rows);
    }

    private static String counts(Map<String, Long> counts) {
        List<String> parts = new ArrayList<>();
        counts.forEach((k, v) -> parts.add(k + " " + v));
        return String.join(", ", parts);
    }

    /** Microseconds as milliseconds, e.g. {@code 1.25 ms}. */
    private static String millis(long micros) {
        return String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
    }
}
