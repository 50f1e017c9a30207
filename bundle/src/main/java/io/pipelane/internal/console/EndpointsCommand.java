package io.pipelane.internal.console;

import io.pipelane.internal.config.CacheKeys;
import io.pipelane.internal.config.ConfigModel;
import io.pipelane.internal.config.OptionKeys;
import io.pipelane.internal.osgi.PipelaneRuntime;

import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code pipelane:endpoints}: the defaults, each endpoint with its effective settings and status, each TLS context. */
@Component(service = EndpointsCommand.class, immediate = true,
        property = {Usage.SCOPE, "osgi.command.function=endpoints"})
public final class EndpointsCommand {
    static final String DESCRIPTION = "shows the defaults (io.pipelane), each endpoint's effective settings and "
            + "status, and the TLS contexts; passwords masked";
    static final Usage USAGE = new Usage("endpoints", DESCRIPTION);

    private final PipelaneRuntime runtime;

    @Activate
    public EndpointsCommand(@Reference PipelaneRuntime runtime) {
        this.runtime = runtime;
    }

    @Descriptor(DESCRIPTION)
    public void endpoints() {
        System.out.print(text());
    }

    /** Any argument: {@code --help} prints the usage, anything else the usage and an error. */
    @Descriptor(DESCRIPTION)
    public void endpoints(Object... words) {
        if (USAGE.check(words, System.out) != null) endpoints();
    }

    String text() {
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
                .append(Text.settings(OptionKeys.describe(r.defaults()))).append('\n');
        out.append("  cache: ").append(Text.settings(CacheKeys.describe(r.cacheDefaults()))).append('\n');
        out.append("  proxy: ").append(Proxies.describe(r.proxyDefaults())).append('\n');
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
            Text.table(out, rows);
            for (ConfigModel.EndpointStatus e : r.endpointStatus()) {
                out.append('\n').append(e.name()).append(": from ").append(e.source()).append('\n');
                if (e.valid()) {
                    out.append("  overrides: ").append(e.overrides().isEmpty() ? "none" : Text.settings(e.overrides()))
                            .append('\n');
                    out.append("  effective: ").append(Text.settings(OptionKeys.describe(e.options()))).append('\n');
                    out.append("  cache: ").append(Text.settings(CacheKeys.describe(e.cache()))).append('\n');
                    out.append("  proxy: ").append(Proxies.line(e)).append('\n');
                    if (e.uri() != null && e.uri().startsWith("https")) {
                        out.append("  tls: ").append(e.tls() == null ? "the JDK's default trust (no tls key)"
                                : "context " + e.tls()).append('\n');
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
                out.append("  ").append(t.name()).append(": ").append(t.valid() ? "OK" : "INVALID")
                        .append(", from ").append(t.source()).append('\n');
                if (!t.settings().isEmpty()) out.append("    ").append(Text.settings(t.settings())).append('\n');
                if (!t.valid()) out.append("    error: ").append(t.error()).append('\n');
                for (String w : t.warnings()) out.append("    warning: ").append(w).append('\n');
            }
        }
        return out.toString();
    }
}
