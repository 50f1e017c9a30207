package io.pipelane.internal.jmx;

import io.pipelane.internal.cache.PipelaneConnectionCache;
import io.pipelane.internal.stats.Statistics;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The Pipelane MBeans in the platform MBeanServer: one {@link EndpointMXBean} per configured endpoint
 * ({@code io.pipelane:type=Endpoint,name=<endpoint>}) and one {@link CacheMXBean} per consumer bundle's cache
 * ({@code io.pipelane:type=Cache,name=<bundle symbolic name>,bundle=<id>}), registered and unregistered as the
 * configuration and the caches come and go; {@link #close()} unregisters them all.
 *
 * <p>Its methods are called under the core's lock or by consumers; it holds its own lock while it registers
 * with the MBeanServer (JDK code, no framework call) and never calls back into the core.
 */
public final class JmxRegistry {
    public static final String DOMAIN = "io.pipelane";
    private static final System.Logger LOG = io.pipelane.internal.log.Logs.logger(JmxRegistry.class);

    private final MBeanServer server;
    private final Statistics statistics;
    // guarded by this
    private final Map<String, ObjectName> endpoints = new HashMap<>();
    private final Map<Object, ObjectName> caches = new HashMap<>();
    private Map<String, String> uris = Map.of();
    private boolean closed;

    public JmxRegistry(Statistics statistics) {
        this(ManagementFactory.getPlatformMBeanServer(), statistics);
    }

    JmxRegistry(MBeanServer server, Statistics statistics) {
        this.server = server;
        this.statistics = statistics;
    }

    /** The configured endpoints now, name to URI: registers the new ones, unregisters those gone. */
    public synchronized void endpoints(Map<String, String> nameToUri) {
        if (closed) return;
        uris = Map.copyOf(nameToUri);
        for (String gone : new HashSet<>(endpoints.keySet())) {
            if (!nameToUri.containsKey(gone)) unregister(endpoints.remove(gone));
        }
        for (String name : nameToUri.keySet()) {
            if (endpoints.containsKey(name)) continue;
            ObjectName on = name("Endpoint", name, null);
            if (register(new EndpointBean(name, () -> uriOf(name), statistics), on)) endpoints.put(name, on);
        }
    }

    private synchronized String uriOf(String name) {
        return uris.get(name);
    }

    /** A consumer's cache, registered under its bundle (replacing the one it had, if any). */
    public synchronized void cacheOpened(Object consumer, String symbolicName, long bundleId, String owner,
                                         PipelaneConnectionCache cache) {
        if (closed) return;
        ObjectName old = caches.remove(consumer);
        if (old != null) unregister(old);
        ObjectName on = name("Cache", symbolicName, bundleId);
        if (register(new CacheBean(owner, cache), on)) caches.put(consumer, on);
    }

    /** The consumer's cache was closed, or the consumer went away. */
    public synchronized void cacheClosed(Object consumer) {
        ObjectName on = caches.remove(consumer);
        if (on != null) unregister(on);
    }

    /** The names registered now. */
    public synchronized Set<ObjectName> names() {
        Set<ObjectName> all = new HashSet<>(endpoints.values());
        all.addAll(caches.values());
        return all;
    }

    /** Unregisters every MBean; later calls register nothing. */
    public synchronized void close() {
        closed = true;
        for (ObjectName on : endpoints.values()) unregister(on);
        for (ObjectName on : caches.values()) unregister(on);
        endpoints.clear();
        caches.clear();
    }

    static ObjectName name(String type, String name, Long bundleId) {
        try {
            return new ObjectName(DOMAIN + ":type=" + type + ",name=" + value(name)
                    + (bundleId == null ? "" : ",bundle=" + bundleId));
        } catch (JMException e) {
            throw new IllegalArgumentException("no MBean name for " + type + " '" + name + "': " + e.getMessage(), e);
        }
    }

    /** The value as is when JMX allows it unquoted, else quoted. */
    static String value(String v) {
        if (v.isEmpty()) return ObjectName.quote(v);
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == ',' || c == '=' || c == ':' || c == '"' || c == '*' || c == '?' || c == '\n') {
                return ObjectName.quote(v);
            }
        }
        return v;
    }

    private boolean register(Object bean, ObjectName on) {
        try {
            server.registerMBean(bean, on);
            return true;
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot register the MBean " + on + ": " + e);
            return false;
        }
    }

    private void unregister(ObjectName on) {
        try {
            server.unregisterMBean(on);
        } catch (InstanceNotFoundException gone) {
            // unregistered by someone else: nothing left to do
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot unregister the MBean " + on + ": " + e);
        }
    }
}
