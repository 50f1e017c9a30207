package io.pipelane.internal.osgi;

import io.pipelane.Connection;
import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionFactory;
import io.pipelane.UnknownEndpointException;
import io.pipelane.internal.codec.Printable;
import io.pipelane.internal.config.ConfigModel;
import io.pipelane.internal.config.ConfigSource;
import io.pipelane.internal.config.OptionKeys;
import io.pipelane.internal.engine.PipelaneConnectionFactory;
import io.pipelane.internal.engine.NamedEndpoint;
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
import org.osgi.framework.Filter;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * The heart of the bundle: owns the {@link PipelaneConnectionFactory} (its executor and watchdog), applies the
 * configuration (defaults from {@code io.pipelane}, endpoints and TLS contexts from their factory
 * configurations) and registers the {@link ConnectionFactory} service, bundle-scoped so that each consumer's
 * connections are closed when it releases the service.
 *
 * <p>The service carries the property {@code endpoints} (String[]): the names of the endpoints offered now, so
 * a consumer can wait for one with a target filter such as {@code (endpoints=billing)}. It is not offered while
 * the defaults configuration is invalid, nor while {@code executor.target} selects no service.
 */
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=io.pipelane.ConnectionFactory")
@Component(configurationPid = PipelaneCore.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = PipelaneRuntime.class, immediate = true)
@Designate(ocd = DefaultsConfiguration.class)
public final class PipelaneCore implements PipelaneRuntime {
    public static final String PID = "io.pipelane";
    public static final String ENDPOINTS_PROPERTY = "endpoints";
    static final System.Logger LOG = System.getLogger("io.pipelane");

    private final BundleContext context;
    private final PipelaneConnectionFactory engine;
    /** Fed by the engine's events; read by the MBeans and pipelane:stats. */
    private final Statistics statistics = new Statistics();
    private final JmxRegistry jmx = new JmxRegistry(statistics);
    private final Map<String, ConfigSource> endpointConfigs = new TreeMap<>();
    private final Map<String, ConfigSource> tlsConfigs = new TreeMap<>();
    private final Set<ConsumerConnectionFactory> consumers = ConcurrentHashMap.newKeySet();
    private final Set<String> reported = new HashSet<>();

    // All guarded by this.
    private ConfigSource defaults;
    private String executorTarget = "";
    private ServiceTracker<Executor, Executor> executorTracker;
    private final Map<ServiceReference<Executor>, Executor> executors = new HashMap<>();
    private String executorError;
    private ConfigModel.Result result;
    private ServiceRegistration<ConnectionFactory> registration;
    private List<String> offered = List.of();
    /** The configuration the engine and the caches run with now (the last valid one); written under this. */
    private volatile Applied applied;

    /** A configuration applied, and how many were before it: a consumer ignores one older than it has. */
    record Applied(ConfigModel.Result result, long generation) {
    }
    private boolean deactivated;
    private volatile ConnectionClosedException closing;

    @Activate
    public PipelaneCore(BundleContext context, Map<String, Object> properties) {
        this.context = context;
        this.engine = new PipelaneConnectionFactory(io.pipelane.ConnectionOptions.defaults(), Map.of(), null,
                "pipelane");
        this.engine.events().addSink(statistics);
        synchronized (this) {
            this.defaults = defaultsSource(properties);
            updateExecutorTracker();
            apply();
        }
    }

    @Modified
    void modified(Map<String, Object> properties) {
        synchronized (this) {
            defaults = defaultsSource(properties);
            updateExecutorTracker();
            apply();
        }
    }

    @Deactivate
    void deactivate() {
        Bundle bundle = context.getBundle();
        ConnectionClosedException reason = bundle.getState() == Bundle.STOPPING
                ? new ConnectionClosedException("the Pipelane bundle " + bundle.getSymbolicName() + " ["
                        + bundle.getBundleId() + "] was stopped")
                : new ConnectionClosedException("the Pipelane component was deactivated");
        closing = reason;
        ServiceTracker<Executor, Executor> tracker;
        synchronized (this) {
            deactivated = true;
            unregister();
            tracker = executorTracker;
            executorTracker = null;
        }
        if (tracker != null) tracker.close();
        jmx.close();
        engine.close(reason);
        LOG.log(System.Logger.Level.INFO, Printable.line("Pipelane stopped: " + reason.getMessage()));
    }

    private static ConfigSource defaultsSource(Map<String, Object> properties) {
        // Without a configuration, DS gives only component.* properties: the code's defaults apply.
        boolean configured = properties.containsKey(Constants.SERVICE_PID);
        return configured ? new ConfigSource(PID, properties) : null;
    }

    // ------------------------------------------------------------------------------------ configurations

    @Override
    public void putEndpoint(String pid, Map<String, ?> properties) {
        synchronized (this) {
            endpointConfigs.put(pid, new ConfigSource(pid, properties));
            apply();
        }
    }

    @Override
    public void removeEndpoint(String pid) {
        synchronized (this) {
            if (endpointConfigs.remove(pid) != null) apply();
        }
    }

    @Override
    public void putTls(String pid, Map<String, ?> properties) {
        synchronized (this) {
            tlsConfigs.put(pid, new ConfigSource(pid, properties));
            apply();
        }
    }

    @Override
    public void removeTls(String pid) {
        synchronized (this) {
            if (tlsConfigs.remove(pid) != null) apply();
        }
    }

    private void updateExecutorTracker() {
        String target = "";
        if (defaults != null) {
            String t = defaults.values().string(OptionKeys.EXECUTOR_TARGET.key());
            target = t == null ? "" : t;
        }
        if (target.equals(executorTarget) && (executorTracker != null || executorError != null || target.isEmpty())) {
            return;
        }
        if (executorTracker != null) {
            ServiceTracker<Executor, Executor> old = executorTracker;
            executorTracker = null;
            old.close();
            executors.clear();
        }
        executorTarget = target;
        executorError = null;
        if (target.isEmpty()) return;
        Filter filter;
        try {
            filter = context.createFilter("(&(" + Constants.OBJECTCLASS + "=" + Executor.class.getName() + ")"
                    + target + ")");
        } catch (InvalidSyntaxException e) {
            executorError = PID + ": key '" + OptionKeys.EXECUTOR_TARGET.key() + "': " + Printable.singleQuote(target)
                    + " is not a valid LDAP filter: " + Printable.escape(e.getMessage());
            return;
        }
        executorTracker = new ServiceTracker<>(context, filter, new ServiceTrackerCustomizer<>() {
            @Override
            public Executor addingService(ServiceReference<Executor> reference) {
                Executor e = context.getService(reference);
                synchronized (PipelaneCore.this) {
                    executors.put(reference, e);
                    if (!deactivated) apply();
                }
                return e;
            }

            @Override
            public void modifiedService(ServiceReference<Executor> reference, Executor service) {
                synchronized (PipelaneCore.this) {
                    if (!deactivated) apply();
                }
            }

            @Override
            public void removedService(ServiceReference<Executor> reference, Executor service) {
                synchronized (PipelaneCore.this) {
                    executors.remove(reference);
                    if (!deactivated) apply();
                }
                context.ungetService(reference);
            }
        });
        executorTracker.open();
    }

    /** The executor selected by executor.target, or null (none configured, or none available). */
    private Executor selectedExecutor() {
        if (executorTracker == null || executors.isEmpty()) return null;
        // The highest ranking (then the oldest) service, as ServiceReference.compareTo orders them.
        ServiceReference<Executor> best = null;
        for (ServiceReference<Executor> r : executors.keySet()) {
            if (best == null || r.compareTo(best) > 0) best = r;
        }
        return executors.get(best);
    }

    /** Recomputes the configuration, reconfigures the engine and (un)registers the service. Holds this. */
    private void apply() {
        if (deactivated) return;
        Executor executor = selectedExecutor();
        ConfigModel.Result r = ConfigModel.compute(defaults, tlsConfigs.values(), endpointConfigs.values(), executor);
        result = r;
        report(r);
        boolean executorMissing = !executorTarget.isEmpty() && executor == null;
        if (r.defaults() == null || executorError != null || executorMissing) {
            if (registration != null) {
                LOG.log(System.Logger.Level.WARNING, "The Pipelane ConnectionFactory service is withdrawn: "
                        + serviceStatus());
            }
            unregister();
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
        List<String> names = new ArrayList<>(new TreeMap<>(r.endpoints()).keySet());
        if (registration == null) {
            registration = context.registerService(ConnectionFactory.class, new Factory(), properties(names));
            offered = names;
            LOG.log(System.Logger.Level.INFO, "Pipelane ConnectionFactory offered; endpoints: " + names);
        } else if (!names.equals(offered)) {
            registration.setProperties(properties(names));
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

    private void unregister() {
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
    }

    /** Logs each error and warning once, when it first appears. */
    private void report(ConfigModel.Result r) {
        Set<String> now = new LinkedHashSet<>();
        if (executorError != null) now.add("E" + executorError);
        r.errors().forEach(e -> now.add("E" + e));
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
        if (executorError != null) return "not offered: " + executorError;
        if (result != null && result.defaults() == null) return "not offered: " + result.defaultsError();
        if (!executorTarget.isEmpty() && selectedExecutor() == null) {
            return "not offered: waiting for an Executor service matching " + OptionKeys.EXECUTOR_TARGET.key() + "="
                    + executorTarget;
        }
        String exec = executorTarget.isEmpty() ? "own executor (threads pipelane-io-N)"
                : "executor service matching " + executorTarget;
        return registration == null ? "not offered" : "offered, " + exec + ", " + consumers.size()
                + " consumer bundle(s)";
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
        synchronized (this) {
            r = result;
            if (registration == null && !deactivated) {
                throw new UnknownEndpointException(endpointName, "no endpoint named "
                        + Printable.singleQuote(endpointName)
                        + " is available: the Pipelane ConnectionFactory is " + serviceStatus());
            }
        }
        try {
            return engine.create(endpointName);
        } catch (UnknownEndpointException e) {
            String error = r == null ? null : r.errorFor(endpointName);
            if (error != null) {
                throw new UnknownEndpointException(endpointName, "endpoint " + Printable.singleQuote(endpointName)
                        + " is configured but not offered: " + error);
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
