package io.pipelane.itest.felix;

import static org.junit.Assert.assertNotNull;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemPackages;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import io.pipelane.ConnectionFactory;

import java.io.File;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import javax.inject.Inject;

import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Filter;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * Felix 7 with SCR, Config Admin and metatype (and the OSGi API bundles SCR and metatype need), and the
 * Pipelane bundle as built. Nothing else: the bundle must resolve with what it declares.
 */
public abstract class FelixTestSupport {
    static final long TIMEOUT_MS = 15_000;

    @Inject
    protected BundleContext context;

    @Inject
    protected ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] configuration() {
        String bundle = System.getProperty("pipelane.bundle");
        if (bundle == null || !new File(bundle).isFile()) {
            throw new IllegalStateException("system property pipelane.bundle must name the built bundle: " + bundle);
        }
        return options(
                // The test servers use the JDK's HTTP server.
                systemPackages("com.sun.net.httpserver;version=\"1.0\""),
                systemProperty("org.ops4j.pax.url.mvn.localRepository")
                        .value(System.getProperty("org.ops4j.pax.url.mvn.localRepository", "")),
                mavenBundle("org.osgi", "org.osgi.util.function").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.util.promise").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.component").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.log").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.scr").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.configadmin").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.metatype").versionAsInProject(),
                bundle(new File(bundle).toURI().toString()),
                junitBundles());
    }

    protected Bundle pipelaneBundle() {
        for (Bundle b : context.getBundles()) {
            if ("io.pipelane".equals(b.getSymbolicName())) return b;
        }
        throw new AssertionError("the io.pipelane bundle is not installed");
    }

    /** Polls until the condition holds, for at most {@link #TIMEOUT_MS}. */
    protected static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting: " + what);
            Thread.sleep(10);
        }
    }

    /** The reference of the ConnectionFactory service matching the extra filter (may be empty), waiting for it. */
    protected ServiceReference<ConnectionFactory> factoryReference(String filter) throws Exception {
        Filter f = context.createFilter("(&(objectClass=" + ConnectionFactory.class.getName() + ")" + filter + ")");
        ServiceTracker<ConnectionFactory, ServiceReference<ConnectionFactory>> t = new ServiceTracker<>(context, f,
                new ServiceTrackerCustomizer<ConnectionFactory, ServiceReference<ConnectionFactory>>() {
                    @Override
                    public ServiceReference<ConnectionFactory> addingService(ServiceReference<ConnectionFactory> r) {
                        return r; // do not get the service: tests control this bundle's use of it
                    }

                    @Override
                    public void modifiedService(ServiceReference<ConnectionFactory> r, ServiceReference<ConnectionFactory> s) {
                    }

                    @Override
                    public void removedService(ServiceReference<ConnectionFactory> r, ServiceReference<ConnectionFactory> s) {
                    }
                });
        t.open();
        try {
            ServiceReference<ConnectionFactory> ref = t.waitForService(TIMEOUT_MS);
            assertNotNull("no ConnectionFactory service matching " + filter + " within " + TIMEOUT_MS + " ms", ref);
            return ref;
        } finally {
            t.close();
        }
    }

    /** This bundle's view of the ConnectionFactory service whose endpoints include {@code name} (or any). */
    protected ConnectionFactory factory(String endpoint) throws Exception {
        ServiceReference<ConnectionFactory> ref = factoryReference(endpoint == null ? "" : "(endpoints=" + endpoint + ")");
        return context.getService(ref);
    }

    protected boolean offers(String endpoint) {
        try {
            return context.getServiceReferences(ConnectionFactory.class, "(endpoints=" + endpoint + ")").size() > 0;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    protected boolean factoryRegistered() {
        return context.getServiceReference(ConnectionFactory.class) != null;
    }

    /** A named factory configuration, created or updated. */
    protected org.osgi.service.cm.Configuration factoryConfig(String factoryPid, String alias, Object... keyValues)
            throws Exception {
        org.osgi.service.cm.Configuration c = configAdmin.getFactoryConfiguration(factoryPid, alias, "?");
        c.update(dict(keyValues));
        return c;
    }

    protected static Dictionary<String, Object> dict(Object... keyValues) {
        Hashtable<String, Object> d = new Hashtable<>();
        for (int i = 0; i < keyValues.length; i += 2) d.put((String) keyValues[i], keyValues[i + 1]);
        return d;
    }

    /** Deletes every Pipelane configuration. */
    protected void deleteConfigurations() throws Exception {
        org.osgi.service.cm.Configuration[] all = configAdmin.listConfigurations("(|(service.pid=io.pipelane)"
                + "(service.factoryPid=io.pipelane.endpoint)(service.factoryPid=io.pipelane.tls))");
        if (all != null) for (org.osgi.service.cm.Configuration c : all) c.delete();
    }

    /** Deletes every Pipelane configuration and waits until the service offers no endpoint. */
    protected void deleteConfigurationsAndAwaitTheBuiltInState() throws Exception {
        deleteConfigurations();
        await("the configurations are gone", () -> factoryRegistered()
                && java.util.Arrays.asList((String[]) context.getServiceReference(ConnectionFactory.class)
                        .getProperty("endpoints")).isEmpty());
    }

    /** Records what the bundle logs (System.Logger "io.pipelane", i.e. java.util.logging). */
    protected static final class LogCapture extends Handler implements AutoCloseable {
        private final List<String> messages = new ArrayList<>();
        private final Logger logger = Logger.getLogger("io.pipelane");

        LogCapture() {
            logger.addHandler(this);
        }

        @Override
        public synchronized void publish(LogRecord record) {
            // System.Logger levels as java.util.logging names them: ERROR is SEVERE.
            String level = record.getLevel() == java.util.logging.Level.SEVERE ? "ERROR" : record.getLevel().getName();
            messages.add(level + " " + record.getMessage());
        }

        synchronized List<String> messages() {
            return new ArrayList<>(messages);
        }

        boolean contains(String... parts) {
            for (String m : messages()) {
                boolean all = true;
                for (String p : parts) all &= m.contains(p);
                if (all) return true;
            }
            return false;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }

    /** The names of live threads that start with "pipelane". */
    protected static List<String> pipelaneThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("pipelane")) names.add(t.getName());
        }
        return names;
    }

    /** Calls a console command (the service registered with osgi.command.scope=pipelane) as Gogo would. */
    protected Object command(String function, Object... args) throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(osgi.command.scope=pipelane)");
        assertNotNull("the pipelane console commands are registered", refs);
        Object commands = context.getService(refs[0]);
        try {
            for (java.lang.reflect.Method m : commands.getClass().getMethods()) {
                if (m.getName().equals(function) && m.getParameterCount() == args.length) {
                    try {
                        return m.invoke(commands, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        if (e.getCause() instanceof Exception) throw (Exception) e.getCause();
                        throw e;
                    }
                }
            }
            throw new AssertionError("no command " + function + " with " + args.length + " arguments");
        } finally {
            context.ungetService(refs[0]);
        }
    }
}
