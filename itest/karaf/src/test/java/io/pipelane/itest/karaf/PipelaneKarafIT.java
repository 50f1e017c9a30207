package io.pipelane.itest.karaf;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.maven;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.inject.Inject;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.security.auth.Subject;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.jaas.boot.principal.RolePrincipal;
import org.apache.karaf.jaas.boot.principal.UserPrincipal;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.ops4j.pax.exam.options.MavenArtifactUrlReference;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Pipelane in a stock Apache Karaf, used the way a Karaf user does: add the features repository, run
 * {@code feature:install pipelane}, drop an endpoint's {@code .cfg} file into {@code etc/} and send
 * requests with {@code pipelane:get}.
 *
 * <p>{@link #config()} runs in the Maven JVM; the test methods run inside Karaf (its own JVM), so every
 * value they need from the build comes in as a Karaf system property.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class PipelaneKarafIT {

    private static final String ENDPOINT = "itest";
    private static final String CONNECTION_FACTORY = "io.pipelane.ConnectionFactory";
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @Inject
    private BundleContext bundleContext;

    @Inject
    private SessionFactory sessionFactory;

    @Inject
    private FeaturesService featuresService;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    @Configuration
    public Option[] config() throws IOException {
        if (Runtime.version().feature() >= 23) {
            // Karaf 4.4's console reads the caller's JAAS subject through an API that Java 23 dropped.
            throw new IllegalStateException("the Karaf tests need Java 17 or 21 (Karaf 4.4's console fails on Java "
                    + Runtime.version().feature() + ")");
        }
        String version = required("pipelane.version");
        // Karaf's mvn: handler finds this build's artifacts here (nothing is installed under "mvn verify"); the
        // rest comes from Karaf's own system/ folder, then Maven's local repository, then Maven Central.
        String staging = Paths.get(required("pipelane.staging")).toUri().toString();
        String localRepository = required("pipelane.localRepository");
        MavenArtifactUrlReference karaf = maven().groupId("org.apache.karaf").artifactId("apache-karaf")
                .type("tar.gz").versionAsInProject();
        String mvnCfg = "etc/org.ops4j.pax.url.mvn.cfg";
        return new Option[] {
            karafDistributionConfiguration().frameworkUrl(karaf).name("Apache Karaf").karafVersion("4.4")
                    .unpackDirectory(new File(required("pipelane.exam"))).useDeployFolder(false),
            // target/exam/<id>/data/log/karaf.log stays for a look after a failure.
            keepRuntimeFolder(),
            configureConsole().ignoreLocalConsole(),
            logLevel(LogLevel.INFO),
            editConfigurationFilePut(mvnCfg, "org.ops4j.pax.url.mvn.defaultRepositories",
                    staging + "@id=pipelane.staging@snapshots,"
                    + "${karaf.home.uri}${karaf.default.repository}@id=system.repository@snapshots,"
                    + "${karaf.data.uri}kar@id=kar.repository@multi@snapshots,"
                    + "${karaf.base.uri}${karaf.default.repository}@id=child.system.repository@snapshots"),
            editConfigurationFilePut(mvnCfg, "org.ops4j.pax.url.mvn.localRepository", localRepository),
            editConfigurationFilePut(mvnCfg, "org.ops4j.pax.url.mvn.repositories",
                    "https://repo1.maven.org/maven2@id=central"),
            // No fixed ports: another Karaf (or anything else) may hold 8101, 1099 or 44444.
            editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", String.valueOf(freePort())),
            editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiRegistryPort",
                    String.valueOf(freePort())),
            editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiServerPort",
                    String.valueOf(freePort())),
            systemProperty("pipelane.featuresRepository")
                    .value("mvn:io.pipelane/pipelane-features/" + version + "/xml/features"),
            systemProperty("pipelane.defaultsCfg")
                    .value(Paths.get(required("pipelane.staging"), "io", "pipelane", "pipelane-features", version,
                            "pipelane-features-" + version + "-defaults.cfg").toString()),
        };
    }

    /** feature:repo-add and feature:install pipelane, as a user types them (once: the tests share one Karaf). */
    private void installPipelane() throws Exception {
        String repository = System.getProperty("pipelane.featuresRepository");
        if (featuresService.getRepository(URI.create(repository)) != null
                && featuresService.isInstalled(featuresService.getFeature("pipelane"))) {
            return;
        }
        execute("feature:repo-add " + repository);
        execute("feature:install pipelane");
        assertTrue("feature pipelane is installed\n" + execute("feature:list -i"),
                featuresService.isInstalled(featuresService.getFeature("pipelane")));
    }

    @Test
    public void a_featureInstallsIntoStockKarafWithItsDefaultConfiguration() throws Exception {
        installPipelane();

        Bundle pipelane = bundle("io.pipelane");
        assertEquals("io.pipelane bundle state\n" + execute("bundle:list"), Bundle.ACTIVE, pipelane.getState());
        assertEquals("Declarative Services runtime (from feature scr) state", Bundle.ACTIVE,
                bundle("org.apache.felix.scr").getState());

        // The <configfile> of the feature: etc/io.pipelane.cfg, byte for byte the shipped defaults...
        Path etc = Paths.get(System.getProperty("karaf.etc"));
        Path defaults = etc.resolve("io.pipelane.cfg");
        assertTrue(defaults + " was installed by the feature", Files.isRegularFile(defaults));
        assertEquals(Files.readString(Paths.get(System.getProperty("pipelane.defaultsCfg"))),
                Files.readString(defaults));
        // ...which Karaf's FileInstall turns into the configuration io.pipelane.
        await("configuration io.pipelane from etc/io.pipelane.cfg",
                () -> configurationAdmin.listConfigurations("(service.pid=io.pipelane)") != null,
                () -> execute("config:list \"(service.pid=io.pipelane*)\""));
    }

    @Test
    public void b_cfgFileInEtcConfiguresAnEndpointAndConsoleGetPipelinesRequests() throws Exception {
        installPipelane();
        try (OrderedStatusServer server = new OrderedStatusServer()) {
            writeEtcFile("io.pipelane.endpoint-" + ENDPOINT + ".cfg",
                    "# an endpoint configured the way a Karaf user does it\n"
                    + "name = " + ENDPOINT + "\n"
                    + "uri = " + server.uri() + "\n");

            await("a " + CONNECTION_FACTORY + " service whose property endpoints holds '" + ENDPOINT
                    + "' (configured by etc/io.pipelane.endpoint-" + ENDPOINT + ".cfg)",
                    () -> endpointsOfFactory().contains(ENDPOINT), this::diagnostics);
            awaitCommands("endpoints", "connections", "get");

            String endpoints = execute("pipelane:endpoints");
            assertTrue("pipelane:endpoints lists " + ENDPOINT + " with its URI:\n" + endpoints,
                    endpoints.contains(ENDPOINT) && endpoints.contains(server.uri()));

            String output = execute("pipelane:get " + ENDPOINT + " / 4");
            // The server answers the n-th request on a connection with status 200 + n: each response is printed,
            // in order, and all four went over one connection.
            assertEquals("statuses printed by pipelane:get, in order:\n" + output,
                    List.of(200, 201, 202, 203), statuses(output));
            assertEquals("requests the server received", Collections.nCopies(4, "GET / HTTP/1.1"),
                    server.requestLines());
            assertEquals("connections the server accepted (the four requests are pipelined on one)",
                    1, server.connections());
            // Under the default persistence AUTO the first request goes alone; the other three are pipelined, so
            // requests #3 and #4 reach the server before it answers #2 and #3.
            assertTrue("requests written before the response to the previous one (pipelined), of 4: "
                    + server.pipelinedRequests(), server.pipelinedRequests() >= 2);

            // Lists the live connections; execute() fails if the command does.
            execute("pipelane:connections");

            // The endpoint's MBean, as a JMX client sees it in the platform MBeanServer.
            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            ObjectName mbean = new ObjectName("io.pipelane:type=Endpoint,name=" + ENDPOINT);
            assertEquals(server.uri(), jmx.getAttribute(mbean, "Uri"));
            assertEquals("responses completed on the endpoint", 4L, jmx.getAttribute(mbean, "Completed"));
            assertEquals(0L, jmx.getAttribute(mbean, "RequestsInFlight"));
            assertEquals(0L, jmx.getAttribute(mbean, "Failed"));
            assertEquals(4L, jmx.getAttribute(mbean, "LatencyCount"));
            assertTrue("a latency quantile", (Double) jmx.getAttribute(mbean, "LatencyP99Millis") > 0);
            Files.deleteIfExists(etcFile("io.pipelane.endpoint-" + ENDPOINT + ".cfg"));
            await("the MBean goes with the endpoint's configuration", () -> !jmx.isRegistered(mbean),
                    this::diagnostics);
        } finally {
            Files.deleteIfExists(etcFile("io.pipelane.endpoint-" + ENDPOINT + ".cfg"));
        }
    }

    @Test
    public void bb_malformedCfgInEtcShowsItsErrorWhileTheOthersWorkAndFixingItRecovers() throws Exception {
        installPipelane();
        String broken = "io.pipelane.endpoint-broken.cfg";
        String neighbour = "io.pipelane.endpoint-neighbour.cfg";
        try (OrderedStatusServer server = new OrderedStatusServer()) {
            writeEtcFile(neighbour, "uri = " + server.uri() + "\n");
            writeEtcFile(broken, "# typos, as people make them\n"
                    + "uri = " + server.uri() + "\n"
                    + "connectTimeout = 999999999d\n"
                    + "maxPipelineDepth = lots\n");
            await("the broken endpoint's error is shown by pipelane:endpoints", () -> {
                String listing = execute("pipelane:endpoints");
                return listing.contains("io.pipelane.endpoint~broken: key 'connectTimeout': 999999999d is more "
                        + "than 365d") && listing.contains("INVALID");
            }, () -> execute("pipelane:endpoints"));
            await("the other endpoint is offered", () -> endpointsOfFactory().contains("neighbour"),
                    this::diagnostics);
            assertFalse(endpointsOfFactory().contains("broken"));
            awaitCommands("endpoints", "get");
            String output = execute("pipelane:get neighbour / 2");
            assertEquals("the other endpoint works:\n" + output, List.of(200, 201), statuses(output));

            // Fixing the file recovers the endpoint, without a restart.
            writeEtcFile(broken, "uri = " + server.uri() + "\nconnectTimeout = 5s\nmaxPipelineDepth = lots\n");
            await("the next error is shown", () -> execute("pipelane:endpoints").contains(
                    "io.pipelane.endpoint~broken: key 'maxPipelineDepth': 'lots' is not a whole number"),
                    () -> execute("pipelane:endpoints"));
            writeEtcFile(broken, "uri = " + server.uri() + "\nconnectTimeout = 5s\nmaxPipelineDepth = 8\n");
            await("the fixed endpoint is offered", () -> endpointsOfFactory().contains("broken"),
                    () -> execute("pipelane:endpoints"));
            String fixed = execute("pipelane:endpoints");
            assertFalse(fixed, fixed.contains("INVALID"));
        } finally {
            Files.deleteIfExists(etcFile(broken));
            Files.deleteIfExists(etcFile(neighbour));
        }
    }

    @Test
    public void c_tlsContextFromEtcWithTheExampleKeys() throws Exception {
        installPipelane();
        // A real trust store every JDK has; ${java.home} is replaced by Karaf's FileInstall, as ${karaf.etc} is
        // in the example configuration.
        String password = "changeit";
        String tlsCfg = "io.pipelane.tls-itest.cfg";
        String endpointCfg = "io.pipelane.endpoint-itest-tls.cfg";
        try {
            writeEtcFile(tlsCfg, "name = itest-tls\n"
                    + "truststore = ${java.home}/lib/security/cacerts\n"
                    + "truststore.type = PKCS12\n"
                    + "truststore.password = " + password + "\n"
                    + "protocols = TLSv1.3,TLSv1.2\n"
                    + "hostnameVerification = true\n");
            writeEtcFile(endpointCfg, "name = itest-tls\n"
                    + "uri = https://127.0.0.1:8443\n"
                    + "tls = itest-tls\n"
                    + "maxPipelineDepth = 8\n");
            await("https endpoint 'itest-tls' using TLS context 'itest-tls' from etc/",
                    () -> endpointsOfFactory().contains("itest-tls"), this::diagnostics);
            String endpoints = execute("pipelane:endpoints");
            assertTrue("pipelane:endpoints shows the TLS context as valid:\n" + endpoints,
                    Pattern.compile("(?m)^\\s*itest-tls \\(.*\\): OK$").matcher(endpoints).find());
            assertTrue("pipelane:endpoints shows the endpoint's override:\n" + endpoints,
                    endpoints.contains("maxPipelineDepth=8"));
            assertFalse("pipelane:endpoints never shows a password:\n" + endpoints, endpoints.contains(password));
        } finally {
            // The endpoint first: while it exists, removing the TLS context it names makes it invalid.
            Files.deleteIfExists(etcFile(endpointCfg));
            await("endpoint 'itest-tls' gone once its file is deleted from etc/",
                    () -> !endpointsOfFactory().contains("itest-tls"), this::diagnostics);
            Files.deleteIfExists(etcFile(tlsCfg));
        }
    }

    @Test
    public void d_consoleConfiguresAnEndpointAndDeletingItRefusesNewConnections() throws Exception {
        installPipelane();
        // The metatype descriptions are what config:meta shows.
        String meta = execute("config:meta io.pipelane");
        assertTrue("config:meta describes the defaults:\n" + meta,
                meta.contains("maxPipelineDepth") && meta.contains("Maximum pipeline depth"));

        try (OrderedStatusServer server = new OrderedStatusServer()) {
            // One console session, as a user types it.
            execute("config:edit --factory --alias console io.pipelane.endpoint; "
                    + "config:property-set name console; "
                    + "config:property-set uri " + server.uri() + "; "
                    + "config:property-set persistence TRUE; "
                    + "config:update");
            await("endpoint 'console' made with config:edit", () -> endpointsOfFactory().contains("console"),
                    this::diagnostics);
            awaitCommands("get");
            String output = execute("pipelane:get console /console 3");
            assertEquals("statuses printed by pipelane:get, in order:\n" + output, List.of(200, 201, 202),
                    statuses(output));
            assertEquals("requests the server received", Collections.nCopies(3, "GET /console HTTP/1.1"),
                    server.requestLines());

            // Karaf 4.4's config:edit --factory gives the configuration a generated PID (io.pipelane.endpoint.<uuid>):
            // find it, as a user would in config:list.
            org.osgi.service.cm.Configuration[] made = configurationAdmin.listConfigurations(
                    "(&(service.factoryPid=io.pipelane.endpoint)(name=console))");
            assertTrue("one configuration made by config:edit\n" + execute("config:list"),
                    made != null && made.length == 1);
            execute("config:delete " + made[0].getPid());
            await("endpoint 'console' gone after config:delete", () -> !endpointsOfFactory().contains("console"),
                    this::diagnostics);
            String refused = executeFailing("pipelane:get console /console");
            assertTrue("the error names the deleted endpoint:\n" + refused, refused.contains("'console'"));
            assertEquals("no request reached the server for the deleted endpoint", 3, server.requestLines().size());
        } finally {
            Files.deleteIfExists(etcFile("io.pipelane.endpoint-console.cfg"));
        }
    }

    @Test
    public void e_exampleFeatureShipsTheExampleEndpoint() throws Exception {
        installPipelane();
        execute("feature:install pipelane-example");
        Path example = etcFile("io.pipelane.endpoint-example.cfg");
        assertTrue(example + " was installed by feature pipelane-example", Files.isRegularFile(example));
        await("endpoint 'example' from etc/io.pipelane.endpoint-example.cfg",
                () -> endpointsOfFactory().contains("example"), this::diagnostics);
    }

    @Test
    public void f_uninstallRemovesTheBundleAndItsThreads() throws Exception {
        installPipelane();
        // Should uninstalling refresh this test's own bundle, its context becomes invalid: look through the
        // system bundle's.
        BundleContext framework = bundleContext.getBundle(0).getBundleContext();
        execute("feature:uninstall pipelane-example");
        execute("feature:uninstall pipelane");
        assertFalse("feature pipelane is uninstalled\n" + execute("feature:list -i"),
                featuresService.isInstalled(featuresService.getFeature("pipelane")));
        assertTrue("bundle io.pipelane is uninstalled\n" + execute("bundle:list"),
                Arrays.stream(framework.getBundles()).noneMatch(b -> "io.pipelane".equals(b.getSymbolicName())));
        await("no Pipelane thread left running", () -> pipelaneThreads().isEmpty(),
                () -> "threads: " + pipelaneThreads());
        assertEquals("no Pipelane MBean left in the platform MBeanServer", Collections.emptySet(),
                ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("io.pipelane:*"), null));
        assertTrue("etc/io.pipelane.cfg, the user's configuration, stays",
                Files.isRegularFile(etcFile("io.pipelane.cfg")));
    }

    private static List<String> pipelaneThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.toLowerCase(Locale.ROOT).startsWith("pipelane"))
                .sorted()
                .collect(Collectors.toList());
    }

    // ---- console ----

    /**
     * Runs a console command as a logged-in administrator would (Karaf's console checks the roles of the
     * caller's JAAS subject), and returns what it printed followed by its result.
     */
    private String execute(String command) throws Exception {
        Outcome outcome = run(command);
        if (outcome.failure != null) {
            throw new AssertionError("console command '" + command + "' failed: " + outcome.failure + "\noutput:\n"
                    + outcome.output, outcome.failure);
        }
        return outcome.output;
    }

    /** Runs a console command that must fail; returns its error message and what it printed. */
    private String executeFailing(String command) throws Exception {
        Outcome outcome = run(command);
        if (outcome.failure == null) {
            throw new AssertionError("console command '" + command + "' succeeded, expected a failure; output:\n"
                    + outcome.output);
        }
        return outcome.failure.getMessage() + "\n" + outcome.output;
    }

    private static final class Outcome {
        final String output;
        final Exception failure;

        Outcome(String output, Exception failure) {
            this.output = output;
            this.failure = failure;
        }
    }

    private Outcome run(String command) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Session session = sessionFactory.create(new ByteArrayInputStream(new byte[0]), out, out);
        Exception failure = null;
        try {
            Object result = Subject.doAs(administrator(),
                    (PrivilegedExceptionAction<Object>) () -> session.execute(command));
            if (result != null) {
                // As the interactive console shows a command's result.
                Object commandSession = session.get(".commandSession");
                out.println(commandSession instanceof CommandSession
                        ? ((CommandSession) commandSession).format(result, Converter.INSPECT)
                        : String.valueOf(result));
            }
        } catch (PrivilegedActionException e) {
            failure = e.getException();
        } catch (Exception e) {
            failure = e;
        } finally {
            session.close();
        }
        out.flush();
        String output = bytes.toString(StandardCharsets.UTF_8);
        // A transcript in the test's output file (target/failsafe-reports/*-output.txt).
        System.out.println("karaf@root()> " + command + "\n" + output + (failure == null ? "" : "Error: " + failure + "\n"));
        return new Outcome(output, failure);
    }

    private static Subject administrator() {
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal("karaf"));
        for (String role : new String[] {"admin", "manager", "viewer", "systembolt"}) {
            subject.getPrincipals().add(new RolePrincipal(role));
        }
        return subject;
    }

    /** Waits until the pipelane:* commands are registered with Karaf's console. */
    private void awaitCommands(String... names) throws Exception {
        for (String name : names) {
            await("console command pipelane:" + name + " (registered by the io.pipelane bundle)",
                    () -> sessionFactory.getRegistry().getCommand("pipelane", name) != null, this::diagnostics);
        }
    }

    /**
     * The status of each response pipelane:get printed, by request number: it prints one line per request,
     * {@code #<n> <version> <status> <reason> ...} (or {@code #<n> failed: ...}).
     */
    private static List<Integer> statuses(String output) {
        Pattern line = Pattern.compile("^#(\\d+) HTTP/\\S+ (\\d{3})\\b", Pattern.MULTILINE);
        Matcher m = line.matcher(output);
        List<Integer> found = new ArrayList<>();
        while (m.find()) {
            assertEquals("request number of the line '" + m.group() + "'", found.size() + 1,
                    Integer.parseInt(m.group(1)));
            found.add(Integer.parseInt(m.group(2)));
        }
        return found;
    }

    // ---- OSGi ----

    private Bundle bundle(String symbolicName) {
        return Arrays.stream(bundleContext.getBundles())
                .filter(b -> symbolicName.equals(b.getSymbolicName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no bundle " + symbolicName + " installed"));
    }

    /** The property endpoints of the ConnectionFactory service(s); empty while there is none. */
    private List<String> endpointsOfFactory() throws InvalidSyntaxException {
        // getAll...: the class-space check of getServiceReferences would wire this bundle to io.pipelane
        // (it imports packages dynamically), and uninstalling Pipelane would then refresh it.
        ServiceReference<?>[] refs = bundleContext.getAllServiceReferences(CONNECTION_FACTORY, null);
        List<String> names = new ArrayList<>();
        for (ServiceReference<?> ref : refs == null ? new ServiceReference<?>[0] : refs) {
            Object endpoints = ref.getProperty("endpoints");
            if (endpoints instanceof String[]) {
                names.addAll(Arrays.asList((String[]) endpoints));
            } else if (endpoints instanceof Collection) {
                ((Collection<?>) endpoints).forEach(e -> names.add(String.valueOf(e)));
            } else if (endpoints != null) {
                names.add(String.valueOf(endpoints));
            }
        }
        return names;
    }

    /** What the console shows about Pipelane, for failure messages. */
    private String diagnostics() {
        StringBuilder s = new StringBuilder();
        for (String command : new String[] {
            "bundle:list", "scr:list", "service:list io.pipelane.ConnectionFactory",
            "config:list \"(service.pid=io.pipelane*)\"", "log:display"}) {
            s.append("\n---- ").append(command).append(" ----\n");
            try {
                String out = execute(command);
                if (command.startsWith("log:")) {
                    List<String> lines = out.lines().collect(Collectors.toList());
                    out = String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
                }
                s.append(out);
            } catch (Throwable e) {
                s.append(e);
            }
        }
        return s.toString();
    }

    // ---- files and waiting ----

    private static Path etcFile(String name) {
        return Paths.get(System.getProperty("karaf.etc")).resolve(name);
    }

    /** Writes a file into etc/ atomically, so FileInstall never reads it half-written. */
    private static void writeEtcFile(String name, String content) throws IOException {
        Path target = etcFile(name);
        Path temp = Files.createTempFile(target.getParent().getParent(), name, ".tmp");
        Files.writeString(temp, content);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private interface Diagnostics {
        String get() throws Exception;
    }

    /** Polls {@code check} until it holds or {@link #DEADLINE} passes, then fails with the diagnostics. */
    private static void await(String what, Check check, Diagnostics diagnostics) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (check.holds()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(100);
        }
        fail("not within " + DEADLINE.toSeconds() + " s: " + what + (last == null ? "" : " (last error: " + last + ")")
                + "\n" + diagnostics.get());
    }

    // ---- build side (Maven JVM) ----

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set (see itest/karaf/pom.xml)");
        }
        return value;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
