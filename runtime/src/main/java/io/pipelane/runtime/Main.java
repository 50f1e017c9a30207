package io.pipelane.runtime;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * Starts Apache Felix with SCR, Config Admin, metatype, FileInstall (watching {@code config/}), the Gogo shell
 * and Pipelane, plus a demo HTTP server on 127.0.0.1 configured as the endpoint {@code demo}. Then:
 * {@code pipelane:get demo / 16}.
 *
 * <pre>
 * java -jar runtime/target/pipelane-runtime.jar [--config DIR] [--smoke]
 * </pre>
 * <ul>
 *   <li>{@code --config DIR}: the folder of {@code .cfg} files FileInstall loads (default {@code config} in the
 *       working directory, when it exists). Changes made from the console are not written back to it.</li>
 *   <li>{@code --smoke}: no interactive shell; runs {@code pipelane:get demo / 16} and {@code pipelane:endpoints}
 *       through Gogo, prints them, stops, and exits 0 when the requests succeeded, else 1.</li>
 * </ul>
 */
public final class Main {
    static final long WAIT_MS = 30_000;

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        // One line per log record (java.util.logging, where System.Logger goes), unless the user chose a format.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "[%4$s] %5$s%6$s%n");
        }
        boolean smoke = false;
        Path config = Path.of("config");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke":
                    smoke = true;
                    break;
                case "--config":
                    if (i + 1 >= args.length) usage("--config needs a folder");
                    config = Path.of(args[++i]);
                    break;
                case "-h":
                case "--help":
                    usage(null);
                    break;
                default:
                    usage("unknown argument " + args[i]);
            }
        }
        System.exit(run(smoke, config, System.out));
    }

    private static void usage(String problem) {
        if (problem != null) System.err.println(problem);
        System.err.println("usage: java -jar pipelane-runtime.jar [--config DIR] [--smoke]");
        System.exit(problem == null ? 0 : 2);
    }

    static int run(boolean smoke, Path config, PrintStream out) throws Exception {
        Path storage = Files.createTempDirectory("pipelane-felix");
        try (DemoServer demo = new DemoServer()) {
            Map<String, String> props = new HashMap<>();
            props.put(Constants.FRAMEWORK_STORAGE, storage.toString());
            props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
            props.put("felix.log.level", "1");
            if (Files.isDirectory(config)) {
                props.put("felix.fileinstall.dir", config.toAbsolutePath().normalize().toString());
            } else {
                out.println("No configuration folder " + config.toAbsolutePath() + ": only the demo endpoint.");
                Path empty = Files.createDirectories(Path.of(storage + "-config"));
                props.put("felix.fileinstall.dir", empty.toString());
            }
            props.put("felix.fileinstall.poll", "1000");
            props.put("felix.fileinstall.noInitialDelay", "true");
            props.put("felix.fileinstall.enableConfigSave", "false"); // never rewrite the repository's files
            props.put("felix.fileinstall.log.level", "2");

            Framework framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(props);
            framework.init();
            BundleContext context = framework.getBundleContext();
            List<Bundle> bundles = new ArrayList<>();
            for (Map.Entry<String, byte[]> b : embeddedBundles().entrySet()) {
                if (smoke && b.getKey().contains("gogo.shell")) continue; // no console reading stdin
                bundles.add(context.installBundle("pipelane-runtime:" + b.getKey(), new ByteArrayInputStream(b.getValue())));
            }
            framework.start();
            for (Bundle b : bundles) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) b.start();
            }

            configureDemoEndpoint(context, demo.uri());
            waitForService(context, "(&(objectClass=io.pipelane.ConnectionFactory)(endpoints=demo))",
                    "the Pipelane ConnectionFactory with the demo endpoint");
            if (smoke) {
                int status = smoke(context, out);
                stop(framework);
                return status;
            }
            out.println();
            out.println("Pipelane is running in Apache Felix. Demo server: " + demo.uri() + " (endpoint 'demo').");
            out.println("Configuration folder: " + props.get("felix.fileinstall.dir"));
            out.println("Try:  pipelane:get demo / 16     pipelane:endpoints     pipelane:connections");
            out.println("      config changes: the .cfg files in the configuration folder.");
            out.println("Stop: stop 0   (or Ctrl-C)");
            out.println();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(framework), "pipelane-runtime-shutdown"));
            framework.waitForStop(0);
            return 0;
        } finally {
            deleteTree(storage);
            deleteTree(Path.of(storage + "-config"));
        }
    }

    private static void stop(Framework framework) {
        try {
            framework.stop();
            FrameworkEvent e = framework.waitForStop(TimeUnit.SECONDS.toMillis(30));
            if (e.getType() == FrameworkEvent.WAIT_TIMEDOUT) System.err.println("the framework did not stop in 30 s");
        } catch (BundleException | InterruptedException e) {
            System.err.println("stopping the framework: " + e);
        }
    }

    /** Runs the demo commands through Gogo, as a user would type them. */
    private static int smoke(BundleContext context, PrintStream out) throws Exception {
        waitForService(context, "(&(osgi.command.scope=pipelane)(osgi.command.function=get))",
                "the pipelane console commands");
        ServiceReference<?> ref = waitForService(context,
                "(objectClass=org.apache.felix.service.command.CommandProcessor)", "the Gogo command processor");
        Object processor = context.getService(ref);
        Class<?> processorType = ref.getBundle().loadClass("org.apache.felix.service.command.CommandProcessor");
        Object session = processorType.getMethod("createSession", InputStream.class, java.io.OutputStream.class,
                java.io.OutputStream.class).invoke(processor, new ByteArrayInputStream(new byte[0]), out, System.err);
        Class<?> sessionType = ref.getBundle().loadClass("org.apache.felix.service.command.CommandSession");
        Method execute = sessionType.getMethod("execute", CharSequence.class);
        int status = 0;
        for (String command : new String[] {"pipelane:get demo / 16", "pipelane:endpoints"}) {
            out.println("g! " + command);
            try {
                Object result = execute.invoke(session, command);
                if (result != null) out.println(result);
            } catch (java.lang.reflect.InvocationTargetException e) {
                out.println("FAILED: " + e.getCause());
                status = 1;
            }
            out.flush();
        }
        sessionType.getMethod("close").invoke(session);
        context.ungetService(ref);
        out.println(status == 0 ? "smoke test passed" : "smoke test FAILED");
        return status;
    }

    /** Creates (or updates) the factory configuration io.pipelane.endpoint~demo through Config Admin. */
    private static void configureDemoEndpoint(BundleContext context, String uri) throws Exception {
        ServiceReference<?> ref = waitForService(context, "(objectClass=org.osgi.service.cm.ConfigurationAdmin)",
                "Config Admin");
        Object admin = context.getService(ref);
        Class<?> adminType = ref.getBundle().loadClass("org.osgi.service.cm.ConfigurationAdmin");
        Object configuration = adminType.getMethod("getFactoryConfiguration", String.class, String.class, String.class)
                .invoke(admin, "io.pipelane.endpoint", "demo", "?");
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("name", "demo");
        d.put("uri", uri);
        Class<?> configurationType = ref.getBundle().loadClass("org.osgi.service.cm.Configuration");
        configurationType.getMethod("update", Dictionary.class).invoke(configuration, d);
        context.ungetService(ref);
    }

    private static ServiceReference<?> waitForService(BundleContext context, String filter, String what)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (true) {
            ServiceReference<?>[] refs = context.getAllServiceReferences(null, filter);
            if (refs != null && refs.length > 0) return refs[0];
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("gave up waiting " + WAIT_MS + " ms for " + what + " " + filter);
            }
            Thread.sleep(20);
        }
    }

    /** The bundles in this jar's bundles/ folder, in a stable order. */
    private static Map<String, byte[]> embeddedBundles() throws IOException, URISyntaxException {
        Map<String, byte[]> out = new java.util.TreeMap<>();
        File self = new File(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (self.isDirectory()) { // run from target/classes
            try (Stream<Path> files = Files.list(self.toPath().resolve("bundles"))) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    if (p.toString().endsWith(".jar")) out.put(p.getFileName().toString(), Files.readAllBytes(p));
                }
            }
        } else {
            try (JarFile jar = new JarFile(self)) {
                for (JarEntry e : java.util.Collections.list(jar.entries())) {
                    String n = e.getName();
                    if (n.startsWith("bundles/") && n.endsWith(".jar")) {
                        try (InputStream in = jar.getInputStream(e)) {
                            out.put(n.substring("bundles/".length()), in.readAllBytes());
                        }
                    }
                }
            }
        }
        if (out.isEmpty()) throw new IllegalStateException("no bundles found in " + self);
        return out;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder
        }
    }
}
