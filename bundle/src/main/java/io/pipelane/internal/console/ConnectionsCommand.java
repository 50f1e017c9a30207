package io.pipelane.internal.console;

import io.pipelane.Connection;
import io.pipelane.internal.osgi.PipelaneRuntime;

import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code pipelane:connections}: the live connections: endpoint, state, {@code length()}, owner. */
@Component(service = ConnectionsCommand.class, immediate = true,
        property = {Usage.SCOPE, "osgi.command.function=connections"})
public final class ConnectionsCommand {
    static final String DESCRIPTION = "lists the live connections: endpoint, state, length() (requests queued and "
            + "unanswered), pipelining, and the bundle (or console) they belong to";
    static final Usage USAGE = new Usage("connections", DESCRIPTION);

    private final PipelaneRuntime runtime;

    @Activate
    public ConnectionsCommand(@Reference PipelaneRuntime runtime) {
        this.runtime = runtime;
    }

    @Descriptor(DESCRIPTION)
    public void connections() {
        System.out.print(text());
    }

    /** Any argument: {@code --help} prints the usage, anything else the usage and an error. */
    @Descriptor(DESCRIPTION)
    public void connections(Object... words) {
        if (USAGE.check(words, System.out) != null) connections();
    }

    String text() {
        List<PipelaneRuntime.LiveConnection> live = runtime.connections();
        if (live.isEmpty()) return "No live connections.\n";
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"CONNECTION", "ENDPOINT", "STATE", "LENGTH", "PIPELINING", "OWNER"});
        for (PipelaneRuntime.LiveConnection l : live) {
            Connection c = l.connection();
            rows.add(new String[] {Text.connectionName(c), c.endpoint().toUri(), c.state().name(),
                    String.valueOf(c.length()), c.isPipelining() ? "yes" : "no", l.owner()});
        }
        StringBuilder out = new StringBuilder();
        Text.table(out, rows);
        return out.toString();
    }
}
