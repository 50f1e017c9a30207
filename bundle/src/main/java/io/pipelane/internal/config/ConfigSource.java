package io.pipelane.internal.config;

import java.net.URI;
import java.util.Map;

/**
 * One configuration as Config Admin delivered it: its PID and properties. Factory configurations are named by
 * their alias: the part after {@code ~} of a named factory configuration's PID
 * ({@code io.pipelane.endpoint~billing}), or the part after the factory PID in the name of the file it came
 * from ({@code io.pipelane.endpoint-billing.cfg}).
 */
public record ConfigSource(String pid, Map<String, ?> properties) {
    public ConfigSource {
        properties = Map.copyOf(properties);
    }

    /** The alias of a factory configuration, or {@code null}. */
    public String alias() {
        int tilde = pid.indexOf('~');
        if (tilde >= 0 && tilde < pid.length() - 1) return pid.substring(tilde + 1);
        Object file = properties.get("felix.fileinstall.filename");
        Object factoryPid = properties.get("service.factoryPid");
        if (file != null && factoryPid != null) {
            String name = file.toString();
            try {
                name = URI.create(name).getPath();
            } catch (IllegalArgumentException ignored) {
                // a plain path
            }
            name = name.substring(name.lastIndexOf('/') + 1);
            String prefix = factoryPid + "-";
            if (name.startsWith(prefix)) {
                String rest = name.substring(prefix.length());
                int dot = rest.lastIndexOf('.');
                rest = dot > 0 ? rest.substring(0, dot) : rest;
                if (!rest.isEmpty()) return rest;
            }
        }
        return null;
    }

    /** How messages name this configuration: its PID, and the file it came from when there is one. */
    public String label() {
        Object file = properties.get("felix.fileinstall.filename");
        if (file == null || pid.indexOf('~') >= 0) return pid;
        String f = file.toString();
        return pid + " (" + f.substring(f.lastIndexOf('/') + 1) + ")";
    }

    /** The PID only: the properties may hold secrets. */
    @Override
    public String toString() {
        return "ConfigSource[" + label() + "]";
    }

    public ConfigValues values() {
        return new ConfigValues(label(), properties);
    }
}
