package io.pipelane.runtime;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
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
 * Starts Apache Felix with SCR, Config Admin, metatype, FileInstall (watching {@code config/}), Gogo and
 * Pipelane, plus a demo HTTP server on 127.0.0.1 configured as the endpoint {@code demo}. Then:
 * {@code pipelane:get demo / 16}.
 *
 * <pre>
 * java -jar runtime/target/pipelane-runtime.jar [--config DIR] [--smoke | --run FILE]
 * </pre>
 * <ul>
 *   <li>{@code --config DIR}: the folder of {@code .cfg} files FileInstall loads (default {@code config} in the
 *       working directory, when it exists). Changes made from the console are not written back to it.</li>
 *   <li>{@code --smoke}: runs {@code pipelane:get demo / 16} and {@code pipelane:endpoints}, stops, and exits 0
 *       when they succeeded, else 1.</li>
 *   <li>{@code --run FILE}: runs the commands of FILE (one a line, {@code #} comments), then stops; exits 0 when
 *       every command succeeded, else 1. {@code -} reads them from standard input.</li>
 *   <li>Without these, on a terminal: the Gogo shell, started once Pipelane's commands are registered (its
 *       prompt means they answer). With standard input from a pipe or a file: as {@code --run -}, read once
 *       Pipelane's commands are registered, so {@code printf 'pipelane:get demo / 2\nstop 0\n' | java -jar ...}
 *       answers and exits.</li>
 * </ul>
 * {@code stop 0} (or Ctrl-C) stops at any moment and exits 0.
 */
public final class Main {
    static final long WAIT_MS = 30_000;
    private static final String USAGE = "usage: java -jar pipelane-runtime.jar [--config DIR] [--smoke | --run FILE]";

    /** What runs once Pipelane is ready. */
    enum Mode {
        /** The Gogo shell on the terminal. */
        SHELL,
        /** The demo commands, then stop. */
        SMOKE,
        /** Commands from a file or standard input, then stop. */
        SCRIPT
    }

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        // One line per log record (java.util.logging, where System.Logger goes), unless the user chose a format.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "[%4$s] %5$s%6$s%n");
        }
        Mode mode = interactive() ? Mode.SHELL : Mode.SCRIPT;
        String script = "-";
        Path config = Path.of("config");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke":
                    mode = Mode.SMOKE;
                    break;
                case "--run":
                    if (i + 1 >= args.length) usage("--run needs a file (or - for standard input)");
                    mode = Mode.SCRIPT;
                    script = args[++i];
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
        if (!script.equals("-") && !Files.isReadable(Path.of(script))) usage("--run: cannot read " + script);
        System.exit(run(mode, script, config, System.out));
    }

    private static void usage(String problem) {
        if (problem != null) System.err.println(problem);
        System.err.println(USAGE);
        System.exit(problem == null ? 0 : 2);
    }

    /** Whether standard input and output are a terminal (Java 22+ has a Console for redirected streams too). */
    private static boolean interactive() {
        java.io.Console console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException before22) {
            return true;
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    static int run(Mode mode, String script, Path config, PrintStream out) throws Exception {
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
            // Without the terminal, the Gogo shell bundle still brings its converters (stop 0: "0" to a Bundle) and
            // built-in commands, but reads nothing: the commands come from the script or the pipe.
            if (mode != Mode.SHELL) props.put("gosh.args", "--nointeractive --noshutdown");

            Framework framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(props);
            framework.init();
            BundleContext context = framework.getBundleContext();
            List<Bundle> bundles = new ArrayList<>();
            Bundle shell = null;
            for (Map.Entry<String, byte[]> b : embeddedBundles().entrySet()) {
                Bundle installed = context.installBundle("pipelane-runtime:" + b.getKey(),
                        new ByteArrayInputStream(b.getValue()));
                // On a terminal the shell reads it as soon as it starts: it starts once Pipelane is ready.
                if (b.getKey().contains("gogo.shell")) shell = installed;
                else bundles.add(installed);
            }
            // Ctrl-C at any moment stops the framework; the waits below then end quietly.
            Thread hook = new Thread(() -> stop(framework), "pipelane-runtime-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            framework.start();
            for (Bundle b : bundles) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) b.start();
            }

            configureDemoEndpoint(framework, demo.uri());
            ServiceReference<?> processor = waitForService(framework,
                    "(objectClass=org.apache.felix.service.command.CommandProcessor)", "the Gogo command processor");
            boolean ready = processor != null
                    && waitForService(framework, "(&(objectClass=io.pipelane.ConnectionFactory)(endpoints=demo))",
                            "the Pipelane ConnectionFactory with the demo endpoint") != null
                    && waitForService(framework, "(&(osgi.command.scope=pipelane)(osgi.command.function=get))",
                            "the pipelane console commands") != null;
            if (!ready) {
                out.println("Stopped before Pipelane was ready.");
                return 0;
            }
            int status = 0;
            if (mode != Mode.SHELL) shell.start();
            switch (mode) {
                case SMOKE:
                    status = smoke(framework, processor, out);
                    break;
                case SCRIPT:
                    status = script(framework, processor, script, out);
                    break;
                default:
                    out.println();
                    out.println("Pipelane is running in Apache Felix. Demo server: " + demo.uri() + " (endpoint 'demo').");
                    out.println("Configuration folder: " + props.get("felix.fileinstall.dir"));
                    out.println("Try:  pipelane:get demo / 16     pipelane:endpoints     pipelane:connections");
                    out.println("      help pipelane:get;  config changes: the .cfg files in the configuration folder.");
                    out.println("Stop: stop 0   (or Ctrl-C)");
                    out.println();
                    try {
                        shell.start();
                        awaitStop(framework);
                    } catch (IllegalStateException | BundleException stopping) {
                        // stopped meanwhile
                    }
                    break;
            }
            stop(framework);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException exiting) {
                // Ctrl-C: the hook is running
            }
            return status;
        } finally {
            deleteTree(storage);
            deleteTree(Path.of(storage + "-config"));
        }
    }

    /** Stops the framework (if {@code stop 0} did not already) and waits until it has stopped. */
    private static void stop(Framework framework) {
        try {
            if ((framework.getState() & (Bundle.STARTING | Bundle.ACTIVE)) != 0) framework.stop();
        } catch (BundleException | IllegalStateException e) {
            System.err.println("stopping the framework: " + e);
        }
        awaitStop(framework);
    }

    /** Waits until the framework has stopped: in the shell, until the user types {@code stop 0}. */
    private static void awaitStop(Framework framework) {
        try {
            FrameworkEvent e = framework.waitForStop(0);
            if (e.getType() == FrameworkEvent.ERROR) System.err.println("the framework stopped with " + e.getThrowable());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs the demo commands through Gogo, as a user would type them. */
    private static int smoke(Framework framework, ServiceReference<?> processor, PrintStream out) throws Exception {
        boolean ok = true;
        try (GogoSession session = new GogoSession(framework.getBundleContext(), processor, out, System.err)) {
            for (String command : new String[] {"pipelane:get demo / 16", "pipelane:endpoints"}) {
                ok &= session.run(command);
            }
        }
        out.println(ok ? "smoke test passed" : "smoke test FAILED");
        return ok ? 0 : 1;
    }

    /** Runs the commands of a file ({@code -}: standard input), each line as typed at the prompt. */
    private static int script(Framework framework, ServiceReference<?> processor, String script, PrintStream out)
            throws Exception {
        try (GogoSession session = new GogoSession(framework.getBundleContext(), processor, out, System.err);
             BufferedReader in = script.equals("-")
                     ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                     : Files.newBufferedReader(Path.of(script))) {
            return session.runAll(in, framework) ? 0 : 1;
        }
    }

    /** Creates (or updates) the factory configuration io.pipelane.endpoint~demo through Config Admin. */
    private static void configureDemoEndpoint(Framework framework, String uri) throws Exception {
        ServiceReference<?> ref = waitForService(framework, "(objectClass=org.osgi.service.cm.ConfigurationAdmin)",
                "Config Admin");
        if (ref == null) return; // stopped meanwhile
        BundleContext context = framework.getBundleContext();
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

    /**
     * Waits for a service; {@code null} when the framework stops meanwhile ({@code stop 0} or Ctrl-C: no error).
     *
     * @throws IllegalStateException when it is not there within {@link #WAIT_MS}
     */
    private static ServiceReference<?> waitForService(Framework framework, String filter, String what)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (true) {
            BundleContext context = framework.getBundleContext();
            if (context == null || framework.getState() != Bundle.ACTIVE) return null;
            ServiceReference<?>[] refs;
            try {
                refs = context.getAllServiceReferences(null, filter);
            } catch (IllegalStateException stopping) {
                return null;
            }
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
