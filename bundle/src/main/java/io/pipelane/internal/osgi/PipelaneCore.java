package io.pipelane.internal.osgi;

import io.pipelane.Connection;
import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionFactory;
import io.pipelane.UnknownEndpointException;
import io.pipelane.internal.codec.Printable;
import io.pipelane.internal.config.ConfigModel;
import io.pipelane.internal.config.ConfigSource;
import io.pipelane.internal.config.OptionKeys;
import io.pipelane.internal.config.Redaction;
import io.pipelane.internal.engine.NamedEndpoint;
import io.pipelane.internal.engine.PipelaneConnectionFactory;
import io.pipelane.internal.jmx.JmxRegistry;
import io.pipelane.internal.stats.Statistics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The heart of the bundle: owns the {@link PipelaneConnectionFactory} (its executor and watchdog), applies the
 * configuration (defaults from {@code io.pipelane} through {@link DefaultsConfigComponent}, endpoints and TLS
 * contexts from their factory configurations) and registers the {@link ConnectionFactory} service, bundle-scoped
 * so that each consumer's connections are closed when it releases the service.
 *
 * <p>The service carries the property {@code endpoints} (String[]): the names of the endpoints offered now, so
 * a consumer can wait for one with a target filter such as {@code (endpoints=billing)}. It is not offered while
 * {@code executor.target} selects no service. An invalid defaults configuration does not withdraw it: the last
 * valid defaults (else the built-in ones) stay in force, and the error is reported. This component has no
 * configuration, so its own service ({@link PipelaneRuntime}) carries no configuration value.
 *
 * <p>Threads: the configuration components call in on DS's threads; every change is computed under this object's
 * lock, and the framework (register, setProperties, unregister) is called after it is released, by one thread at a
 * time ({@link #publish}). Lifecycle: constructed (nothing offered) → configured (offered once the defaults and
 * executor allow) → deactivated (withdrawn, every connection closed).
 */
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=io.pipelane.ConnectionFactory")
@Component(service = PipelaneRuntime.class, immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
public final class PipelaneCore implements PipelaneRuntime {
    public static final String PID = "io.pipelane";
    public static final String ENDPOINTS_PROPERTY = "endpoints";
    static final System.Logger LOG = io.pipelane.internal.log.Logs.logger(PipelaneCore.class);

    private final BundleContext context;
    private final PipelaneConnectionFactory engine;
    /** Fed by the engine's events; read by the MBeans and pipelane:stats. */
    private final Statistics statistics = new Statistics();
    private final JmxRegistry jmx = new JmxRegistry(statistics);
    private final Set<ConsumerConnectionFactory> consumers = ConcurrentHashMap.newKeySet();

    // All guarded by this.
    private final Map<String, ConfigSource> endpointConfigs = new TreeMap<>();
    private final Map<String, ConfigSource> tlsConfigs = new TreeMap<>();
    private final Set<String> reported = new HashSet<>();
    private ConfigSource defaults;
    /** The last defaults configuration that was valid: in force while {@link #defaults} is not. */
    private ConfigSource lastValidDefaults;
    private String executorTarget = "";
    private Executor executor;
    private String executorError;
    private ConfigModel.Result result;
    private boolean deactivated;
    /** What the service registration should be: null for none, else the endpoint names to offer. */
    private List<String> wanted;
    private boolean publishing;
    private boolean publishAgain;

    /** Only the thread that {@link #publish publishes} touches these. */
    private ServiceRegistration<ConnectionFactory> registration;
    private List<String> offered = List.of();

    /** The configuration the engine and the caches run with now; written under this. */
    private volatile Applied applied;
    private volatile ConnectionClosedException closing;

    /** A configuration applied, and how many were before it: a consumer ignores one older than it has. */
    record Applied(ConfigModel.Result result, long generation) {
    }

    @Activate
    public PipelaneCore(BundleContext context) {
        this.context = context;
        this.engine = new PipelaneConnectionFactory(io.pipelane.ConnectionOptions.defaults(), Map.of(), null,
                "pipelane");
        this.engine.events().addSink(statistics);
        synchronized (this) {
            apply();
        }
        publish();
    }

    @Deactivate
    void deactivate() {
        Bundle bundle = context.getBundle();
        ConnectionClosedException reason = bundle.getState() == Bundle.STOPPING
                ? new ConnectionClosedException("the Pipelane bundle " + bundle.getSymbolicName() + " ["
                        + bundle.getBundleId() + "] was stopped")
                : new ConnectionClosedException("the Pipelane component was deactivated");
        closing = reason;
        synchronized (this) {
            deactivated = true;
            wanted = null;
        }
        publish();
        jmx.close();
        engine.close(reason);
        LOG.log(System.Logger.Level.INFO, Printable.line("Pipelane stopped: " + reason.getMessage()));
    }

    // ------------------------------------------------------------------------------------ configurations

    @Override
    public void defaults(Map<String, ?> properties, Executor selected) {
        synchronized (this) {
            defaults = properties == null ? null : new ConfigSource(PID, properties);
            String target = "";
            String error = null;
            if (defaults != null) {
                try {
                    String t = defaults.values().string(OptionKeys.EXECUTOR_TARGET.key());
                    target = t == null ? "" : t;
                    if (!target.isEmpty()) FrameworkUtil.createFilter(target); // parses only
                } catch (InvalidSyntaxException | RuntimeException e) {
                    error = defaults.label() + ": key '" + OptionKeys.EXECUTOR_TARGET.key() + "': "
                            + (e instanceof InvalidSyntaxException ? Printable.singleQuote(target)
                            + " is not a valid LDAP filter: " + Printable.escape(e.getMessage())
                            : Printable.escape(e.getMessage()));
                }
            }
            executorError = error;
            if (error == null) {
                executorTarget = target;
                // Without executor.target, no executor service is used (the engine's own runs the I/O).
                executor = executorTarget.isEmpty() ? null : selected;
            }
            // Else the executor in force is kept: DS replaces a target it cannot parse by one that matches nothing
            // and unbinds the executor, which would otherwise withdraw the service over a typo.
            apply();
        }
        publish();
    }

    @Override
    public void putEndpoint(String pid, Map<String, ?> properties) {
        synchronized (this) {
            endpointConfigs.put(pid, new ConfigSource(pid, properties));
            apply();
        }
        publish();
    }

    @Override
    public void removeEndpoint(String pid) {
        synchronized (this) {
            if (endpointConfigs.remove(pid) != null) apply();
        }
        publish();
    }

    @Override
    public void putTls(String pid, Map<String, ?> properties) {
        synchronized (this) {
            tlsConfigs.put(pid, new ConfigSource(pid, properties));
            apply();
        }
        publish();
    }

    @Override
    public void removeTls(String pid) {
        synchronized (this) {
            if (tlsConfigs.remove(pid) != null) apply();
        }
        publish();
    }

    /**
     * Recomputes the configuration, reconfigures the engine and the consumers' caches, and says what the service
     * registration should be ({@link #wanted}); {@link #publish} makes it so. Holds this; calls no framework method.
     */
    private void apply() {
        if (deactivated) return;
        ConfigModel.Result r = ConfigModel.compute(defaults, lastValidDefaults, tlsConfigs.values(),
                endpointConfigs.values(), executor);
        if (defaults != null && r.defaultsError() == null) lastValidDefaults = defaults;
        if (defaults == null) lastValidDefaults = null;
        result = r;
        report(r);
        if (!executorTarget.isEmpty() && executor == null) {
            if (wanted != null) {
                LOG.log(System.Logger.Level.WARNING, "The Pipelane ConnectionFactory service is withdrawn: "
                        + serviceStatus());
            }
            wanted = null;
            return;
        }
        // The engine first: a consumer that waits for an endpoint may call create() as soon as it sees it.
        engine.configure(r.defaults(), r.endpoints());
        Map<String, String> uris = new TreeMap<>();
        for (NamedEndpoint e : r.endpoints().values()) uris.put(e.name(), e.endpoint().toUri());
        jmx.endpoints(uris);
        // Then the consumers' caches: the endpoints whose connections changed (or are gone) renew them.
        Set<String> renew = new HashSet<>();
        if (applied != null) {
            ConfigModel.Result before = applied.result();
            for (String name : before.endpoints().keySet()) if (!r.sameConnections(name, before)) renew.add(name);
        }
        Applied now = new Applied(r, (applied == null ? 0 : applied.generation()) + 1);
        applied = now;
        for (ConsumerConnectionFactory c : consumers) c.configureCache(now, renew);
        wanted = new ArrayList<>(new TreeMap<>(r.endpoints()).keySet());
    }

    /**
     * Makes the service registration what {@link #wanted} says, outside any lock. One thread publishes at a time;
     * a change made meanwhile is published by that thread before it leaves, so the last state always wins.
     */
    private void publish() {
        synchronized (this) {
            if (publishing) {
                publishAgain = true;
                return;
            }
            publishing = true;
        }
        while (true) {
            List<String> target;
            synchronized (this) {
                target = wanted;
                publishAgain = false;
            }
            register(target);
            synchronized (this) {
                if (!publishAgain) {
                    publishing = false;
                    return;
                }
            }
        }
    }

    /** Called by the publishing thread only, without a lock. */
    private void register(List<String> names) {
        if (names == null) {
            ServiceRegistration<ConnectionFactory> r = registration;
            registration = null;
            offered = List.of();
            if (r != null) {
                try {
                    r.unregister(); // the framework releases it for every consumer: their connections close
                } catch (IllegalStateException alreadyGone) {
                    // the bundle is stopping
                }
            }
        } else if (registration == null) {
            try {
                registration = context.registerService(ConnectionFactory.class, new Factory(), properties(names));
            } catch (IllegalStateException stopping) {
                return; // the bundle context is no longer valid
            }
            offered = names;
            LOG.log(System.Logger.Level.INFO, "Pipelane ConnectionFactory offered; endpoints: " + names);
        } else if (!names.equals(offered)) {
            try {
                registration.setProperties(properties(names));
            } catch (IllegalStateException stopping) {
                return;
            }
            offered = names;
            LOG.log(System.Logger.Level.INFO, "Pipelane endpoints now offered: " + names);
        }
    }

    private static Hashtable<String, Object> properties(List<String> names) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(ENDPOINTS_PROPERTY, names.toArray(new String[0]));
        p.put(Constants.SERVICE_DESCRIPTION, "Pipelane pipelined HTTP/1.1 connections");
        p.put(Constants.SERVICE_VENDOR, "Pipelane");
        return p;
    }

    /** Logs each error and warning once, when it first appears. */
    private void report(ConfigModel.Result r) {
        Set<String> now = new LinkedHashSet<>();
        if (executorError != null) now.add("E" + executorError + " (the executor in force is kept)");
        for (String e : r.errors()) {
            boolean defaultsError = e.equals(r.defaultsError());
            now.add("E" + e + (defaultsError ? " (in force: " + r.defaultsInForce() + ")" : ""));
        }
        r.warnings().forEach(w -> now.add("W" + w));
        for (String m : now) {
            if (reported.contains(m)) continue;
            if (m.charAt(0) == 'E') {
                LOG.log(System.Logger.Level.ERROR, Printable.line("Invalid Pipelane configuration, not applied: "
                        + m.substring(1)));
            } else {
                LOG.log(System.Logger.Level.WARNING, Printable.line(m.substring(1)));
            }
        }
        reported.clear();
        reported.addAll(now);
    }

    // ---------------------------------------------------------------------------------------- for others

    @Override
    public synchronized ConfigModel.Result configuration() {
        return result;
    }

    @Override
    public synchronized String serviceStatus() {
        if (!executorTarget.isEmpty() && executor == null) {
            return "not offered: waiting for an Executor service matching " + OptionKeys.EXECUTOR_TARGET.key() + "="
                    + executorTarget;
        }
        String exec = executorTarget.isEmpty() ? "own executor (threads pipelane-io-N)"
                : "executor service matching " + executorTarget;
        return wanted == null ? "not offered" : "offered, " + exec + ", " + consumers.size() + " consumer bundle(s)";
    }

    /** The error of {@code executor.target}, or null. */
    @Override
    public synchronized String executorError() {
        return executorError;
    }

    @Override
    public PipelaneConnectionFactory engine() {
        return engine;
    }

    @Override
    public Statistics statistics() {
        return statistics;
    }

    JmxRegistry jmx() {
        return jmx;
    }

    @Override
    public Connection create(String endpointName) {
        return createNamed(endpointName);
    }

    /** A connection to a named endpoint; an endpoint configured but invalid is refused with its error. */
    Connection createNamed(String endpointName) {
        ConfigModel.Result r;
        // A URI given by mistake is quoted without its user-info.
        String shown = Redaction.uri(endpointName);
        String quoted = Printable.singleQuote(shown);
        synchronized (this) {
            r = result;
            if (wanted == null && !deactivated) {
                throw new UnknownEndpointException(shown, "no endpoint named " + quoted
                        + " is available: the Pipelane ConnectionFactory is " + serviceStatus());
            }
        }
        try {
            return engine.create(endpointName);
        } catch (UnknownEndpointException e) {
            String error = r == null ? null : r.errorFor(endpointName);
            if (error != null) {
                throw new UnknownEndpointException(shown, "endpoint " + quoted
                        + " is configured but not offered: " + error);
            }
            if (!shown.equals(endpointName)) {
                throw new UnknownEndpointException(shown, "no endpoint named " + quoted + " is configured");
            }
            throw e;
        }
    }

    @Override
    public List<LiveConnection> connections() {
        Map<Connection, String> owners = new HashMap<>();
        for (ConsumerConnectionFactory c : consumers) {
            for (Connection conn : c.connections()) owners.put(conn, c.owner());
        }
        List<LiveConnection> out = new ArrayList<>();
        for (Connection c : engine.connections()) out.add(new LiveConnection(c, owners.getOrDefault(c, "console")));
        return out;
    }

    @Override
    public List<CacheView> caches() {
        List<CacheView> out = new ArrayList<>();
        for (ConsumerConnectionFactory c : consumers) {
            io.pipelane.ConnectionCache cache = c.currentCache();
            if (cache != null) out.add(new CacheView(c.owner(), cache));
        }
        out.sort(java.util.Comparator.comparing(CacheView::owner));
        return out;
    }

    Collection<ConsumerConnectionFactory> consumers() {
        return consumers;
    }

    /** One {@link ConsumerConnectionFactory} per consumer bundle. */
    private final class Factory implements ServiceFactory<ConnectionFactory> {
        @Override
        public ConnectionFactory getService(Bundle bundle, ServiceRegistration<ConnectionFactory> reg) {
            // Not under the core's lock (the framework may hold its own while calling here). A configuration
            // applied meanwhile reaches this consumer either through apply(), which sees it in consumers, or
            // through the second look below; the generation keeps an older one from replacing a newer one.
            ConsumerConnectionFactory f = new ConsumerConnectionFactory(PipelaneCore.this, bundle.getSymbolicName(),
                    bundle.getBundleId(), applied);
            consumers.add(f);
            Applied now = applied;
            if (now != null) f.configureCache(now, Set.of());
            return f;
        }

        @Override
        public void ungetService(Bundle bundle, ServiceRegistration<ConnectionFactory> reg, ConnectionFactory service) {
            ConsumerConnectionFactory f = (ConsumerConnectionFactory) service;
            consumers.remove(f);
            ConnectionClosedException reason = closing;
            f.release(reason != null ? reason : new ConnectionClosedException("the Pipelane ConnectionFactory "
                    + "service was released by " + f.owner() + " (it stopped, or the service was withdrawn)"));
        }
    }
}
