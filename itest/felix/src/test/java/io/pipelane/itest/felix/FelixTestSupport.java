package io.pipelane.itest.felix;

import static org.junit.Assert.assertNotNull;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemPackages;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import io.pipelane.ConnectionFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
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
                mavenBundle("org.apache.felix", "org.apache.felix.gogo.runtime").versionAsInProject(),
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

    /**
     * Runs {@code pipelane:<function> <args...>} in a Gogo command session, as a user types it, and returns what
     * it printed to the session's output (the commands print; they return nothing).
     *
     * @throws Exception the command's failure, as Gogo reports it
     */
    protected Object command(String function, Object... args) throws Exception {
        StringBuilder line = new StringBuilder("pipelane:").append(function);
        for (Object a : args) line.append(' ').append(a);
        return session(line.toString());
    }

    /** Runs a command line in a new Gogo session; returns its output (and its value, if it returned one). */
    protected String session(String commandLine) throws Exception {
        ConsoleRun run = run(commandLine);
        if (run.failure != null) throw run.failure;
        return run.output;
    }

    /** What a command line printed, and how it failed (null when it did not). */
    protected static final class ConsoleRun {
        final String output;
        final Exception failure;

        ConsoleRun(String output, Exception failure) {
            this.output = output;
            this.failure = failure;
        }
    }

    /** Runs a command line in a new Gogo session, as a user types it (the commands print to the session). */
    protected ConsoleRun run(String commandLine) throws Exception {
        ServiceReference<CommandProcessor> ref = null;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while ((ref = context.getServiceReference(CommandProcessor.class)) == null
                || context.getServiceReferences((String) null, "(osgi.command.scope=pipelane)") == null) {
            if (System.nanoTime() > deadline) throw new AssertionError("Gogo or the pipelane commands are missing");
            Thread.sleep(10);
        }
        CommandProcessor processor = context.getService(ref);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Exception failure = null;
        try (CommandSession s = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out)) {
            Object value = s.execute(commandLine);
            if (value != null) out.println(s.format(value, Converter.INSPECT));
        } catch (Exception e) {
            failure = e;
        } finally {
            out.flush();
            context.ungetService(ref);
        }
        return new ConsoleRun(bytes.toString(StandardCharsets.UTF_8), failure);
    }
}
