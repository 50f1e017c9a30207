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

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
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
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.server.SshServer;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.options.MavenArtifactUrlReference;
import org.ops4j.pax.exam.options.extra.EnvironmentOption;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

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
    private static final String SSH_USER = "itest";
    private static final String ENV_VARIABLE = "PIPELANE_ITEST_SECRET";
    private static final String ENV_SECRET = "s3cret-from-the-environment";

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
            // Karaf's own etc/org.ops4j.pax.logging.cfg (root level INFO), untouched: log:set must work on it.
            editConfigurationFilePut(mvnCfg, "org.ops4j.pax.url.mvn.defaultRepositories",
                    staging + "@id=pipelane.staging@snapshots,"
                    + "${karaf.home.uri}${karaf.default.repository}@id=system.repository@snapshots,"
                    + "${karaf.data.uri}kar@id=kar.repository@multi@snapshots,"
                    + "${karaf.base.uri}${karaf.default.repository}@id=child.system.repository@snapshots"),
            editConfigurationFilePut(mvnCfg, "org.ops4j.pax.url.mvn.localRepository", localRepository),
            editConfigurationFilePut(mvnCfg, "org.ops4j.pax.url.mvn.repositories",
                    "https://repo1.maven.org/maven2@id=central"),
            // No fixed ports: another Karaf (or anything else) may hold 8101, 1099 or 44444. Nor ports picked free
            // here and bound later by Karaf, which another process may take meanwhile: Karaf binds port 0 (any
            // free port) itself, and the tests read the ssh port from its SshServer service (sshPort()).
            editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", "0"),
            editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshHost", "127.0.0.1"),
            // A secret in the Karaf process's environment, for $[env:PIPELANE_ITEST_SECRET].
            new EnvironmentOption(ENV_VARIABLE + "=" + ENV_SECRET),
            // The operator the ssh sessions log in as (Karaf 4.4 ships with its users commented out).
            editConfigurationFilePut("etc/users.properties", SSH_USER, SSH_USER + ",admin,manager,viewer,systembundles,ssh"),
            editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiRegistryPort", "0"),
            editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiServerPort", "0"),
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
        // Before the first pipelane:endpoints, not after: this test must not rely on an earlier one having waited.
        awaitCommands("endpoints", "get");
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
                    Pattern.compile("(?m)^  itest-tls: OK, from io\\.pipelane\\.tls~itest$").matcher(endpoints).find());
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

    /**
     * Issue 14: what an operator scripting Karaf sees. Every pipelane:* command through Karaf's sshd, one
     * non-interactive exec per command ({@code ssh -p PORT user@host 'pipelane:get ...'}), prints its whole output:
     * the commands print to the session, they return nothing Karaf's non-interactive mode would drop.
     */
    @Test
    public void ea_everyCommandPrintsItsOutputThroughANonInteractiveSshSession() throws Exception {
        installPipelane();
        try (OrderedStatusServer server = new OrderedStatusServer()) {
            writeEtcFile("io.pipelane.endpoint-ssh.cfg", "name = ssh\nuri = " + server.uri() + "\n");
            await("endpoint 'ssh'", () -> endpointsOfFactory().contains("ssh"), this::diagnostics);
            awaitCommands("endpoints", "connections", "get", "cache", "request", "stats");

            SshResult endpoints = ssh("pipelane:endpoints");
            endpoints.assertSucceeded();
            assertTrue(endpoints.out, endpoints.out.startsWith("ConnectionFactory service: offered"));
            assertTrue(endpoints.out, Pattern.compile("(?m)^ssh\\s+" + Pattern.quote(server.uri()) + "\\s+-\\s+OK$")
                    .matcher(endpoints.out).find());

            SshResult get = ssh("pipelane:get ssh / 4");
            get.assertSucceeded();
            assertEquals(get.out, List.of(200, 201, 202, 203), statuses(get.out));
            assertTrue("the summary line is printed too:\n" + get.out, Pattern.compile(
                    "(?m)^4 request\\(s\\) to ssh \\(" + Pattern.quote(server.uri()) + "/\\) on one connection, "
                    + "pipelined in [0-9.]+ ms: 1 x 200, 1 x 201, 1 x 202, 1 x 203$").matcher(get.out).find());

            // Issue 13: one request printed like curl -i, then the statistics count it with the four GETs.
            SshResult request = ssh("pipelane:request -H 'X-Trace: ssh' -d 'from ssh' ssh /r");
            request.assertSucceeded();
            String body = "response 0 to POST /r HTTP/1.1\n";
            assertEquals(request.toString(), "HTTP/1.1 200 Status 200\nContent-Type: text/plain; charset=UTF-8\n"
                    + "Content-Length: " + body.length() + "\n\n" + body, request.out);
            SshResult stats = ssh("pipelane:stats ssh");
            stats.assertSucceeded();
            assertTrue(stats.out, stats.out.startsWith("ssh  " + server.uri() + "\n"));
            assertTrue(stats.out, stats.out.contains("\n  requests     5, 0 in flight, 5 completed, 0 failed\n"));

            SshResult connections = ssh("pipelane:connections");
            connections.assertSucceeded();
            assertEquals("No live connections.\n", connections.out);

            SshResult cache = ssh("pipelane:cache");
            cache.assertSucceeded();
            assertEquals("No connection cache in use (a consumer bundle gets one with ConnectionFactory.cache()).\n",
                    cache.out);

            // Help: Karaf's "help pipelane:get" runs "pipelane:get --help"; it prints on a terminal only (as for
            // Karaf's own commands), so it is checked in a login shell with a pseudo-terminal, as an operator types it.
            String help = sshShell("help pipelane:get");
            assertTrue(help, help.contains("usage: pipelane:get <endpoint> <path> [count]"));
            assertTrue(help, help.contains("endpoint  the name of a configured endpoint"));
            assertTrue(help, help.contains("count     how many GETs to send, 1 to 10000; default 1"));
            SshResult usage = ssh("pipelane:get --help");
            usage.assertSucceeded();
            assertTrue(usage.out, usage.out.startsWith("usage: pipelane:get <endpoint> <path> [count]\n"));
            // The description the command list of "help" shows: the commands' @Descriptor.
            for (String name : new String[] {"endpoints", "connections", "get", "cache", "request", "stats"}) {
                String description = sessionFactory.getRegistry().getCommand("pipelane", name).getDescription();
                assertTrue(name + ": " + description, description != null && description.length() > 20
                        && !description.equals(name));
            }

            // Wrong or missing arguments: the usage and an error naming the problem, never Gogo's coercion error.
            for (String wrong : new String[] {"pipelane:get", "pipelane:get ssh / many", "pipelane:endpoints now",
                "pipelane:request -H broken ssh", "pipelane:stats ssh more"}) {
                SshResult r = ssh(wrong);
                assertTrue(wrong + " fails: " + r, r.exitStatus != null && r.exitStatus != 0);
                assertTrue(r.toString(), r.out.startsWith("usage: " + wrong.split(" ")[0]));
                assertFalse(r.toString(), (r.out + r.err).contains("Cannot coerce"));
            }
            // Karaf prints the error after the usage, on the session's output.
            SshResult missing = ssh("pipelane:get");
            assertTrue(missing.toString(), missing.out.contains("Error executing command: ")
                    && missing.out.contains("pipelane:get: missing <endpoint>"));
        } finally {
            Files.deleteIfExists(etcFile("io.pipelane.endpoint-ssh.cfg"));
        }
    }

    /**
     * Issues 13 and 14: Pipelane's records reach Karaf's log through the OSGi Log Service, under io.pipelane.*
     * logger names and attributed to the Pipelane bundle; log:set levels apply to them. The records are read as
     * Karaf's log receives them (the Log Service's LogReaderService, what log:display shows), and log:display's
     * own output must show the warning.
     */
    @Test
    public void eb_recordsShowInLogDisplayUnderThePipelaneBundleAndFollowLogSet() throws Exception {
        installPipelane();
        List<LogEntry> records = new CopyOnWriteArrayList<>();
        LogListener listener = records::add;
        ServiceReference<LogReaderService> readerRef = bundleContext.getServiceReference(LogReaderService.class);
        LogReaderService reader = bundleContext.getService(readerRef);
        reader.addLogListener(listener);
        try (OrderedStatusServer server = new OrderedStatusServer()) {
            // A warning end to end: a key Pipelane does not know, in a file in etc/.
            writeEtcFile("io.pipelane.endpoint-logged.cfg", "name = logged\nuri = " + server.uri()
                    + "\npipelineDepth = 4\n");
            await("endpoint 'logged'", () -> endpointsOfFactory().contains("logged"), this::diagnostics);
            String warning = "io.pipelane.endpoint~logged: key 'pipelineDepth' is not a Pipelane key and is ignored";
            await("the warning in Karaf's log", () -> records.stream().anyMatch(r -> r.getMessage().equals(warning)),
                    () -> describe(records));
            LogEntry entry = records.stream().filter(r -> r.getMessage().equals(warning)).findFirst().orElseThrow();
            assertEquals(describe(List.of(entry)), LogLevel.WARN, entry.getLogLevel());
            assertEquals("the record carries the Pipelane bundle", "io.pipelane", entry.getBundle().getSymbolicName());
            assertTrue(entry.getLoggerName(), entry.getLoggerName().startsWith("io.pipelane."));

            // DEBUG on: a connection's records appear (logger io.pipelane.internal.engine.HttpConnection)...
            ssh("log:set DEBUG io.pipelane").assertSucceeded();
            ssh("pipelane:get logged / 1").assertSucceeded();
            await("a DEBUG record of the connection", () -> records.stream().anyMatch(r -> r.getLogLevel() == LogLevel.DEBUG
                    && r.getLoggerName().equals("io.pipelane.internal.engine.HttpConnection")
                    && r.getBundle().getSymbolicName().equals("io.pipelane") && r.getMessage().contains(" connected: ")),
                    () -> describe(records));
            // ...and off again: none.
            ssh("log:set INFO io.pipelane").assertSucceeded();
            records.clear();
            ssh("pipelane:get logged / 1").assertSucceeded();
            assertFalse(describe(records), records.stream().anyMatch(r -> r.getLogLevel() == LogLevel.DEBUG
                    && r.getLoggerName().startsWith("io.pipelane.")));

            // What an operator reads: log:display shows the warning.
            SshResult display = ssh("log:display");
            display.assertSucceeded();
            assertTrue(display.out, withoutEscapes(display.out).contains(warning));
        } finally {
            reader.removeLogListener(listener);
            bundleContext.ungetService(readerRef);
            ssh("log:set DEFAULT io.pipelane");
            Files.deleteIfExists(etcFile("io.pipelane.endpoint-logged.cfg"));
        }
    }

    private static String describe(List<LogEntry> records) {
        StringBuilder b = new StringBuilder("records:\n");
        for (LogEntry r : records) {
            b.append(r.getLogLevel()).append(" | ").append(r.getLoggerName()).append(" | ")
                    .append(r.getBundle() == null ? "-" : r.getBundle().getSymbolicName()).append(" | ")
                    .append(r.getMessage()).append('\n');
        }
        return b.toString();
    }

    /**
     * Issue 14: secrets the Karaf way. The configuration files hold placeholders that Felix Config Admin's
     * interpolation plugin (booted by Karaf 4.4) fills in when it delivers the configuration: {@code $[env:NAME]}
     * from the Karaf process's environment, {@code $[secret:FILE]} from a file in etc/. Pipelane receives the
     * values (a trust store opens only with the right password; the proxy receives the right credentials), while
     * etc/ and Config Admin's stored configuration keep only the placeholders.
     */
    @Test
    public void ec_secretsComeFromTheEnvironmentOrAFileThroughConfigAdminInterpolation() throws Exception {
        installPipelane();
        String fromEnv = System.getenv(ENV_VARIABLE);
        assertEquals("the environment of the Karaf process (see config())", ENV_SECRET, fromEnv);
        String fromFile = "s3cret-from-a-file";
        Path data = Paths.get(System.getProperty("karaf.data"));
        Path envStore = trustStore(data.resolve("itest-env.p12"), fromEnv);
        Path fileStore = trustStore(data.resolve("itest-file.p12"), fromFile);
        List<String> files = List.of("io.pipelane.tls-fromenv.cfg", "io.pipelane.tls-fromfile.cfg",
                "io.pipelane.tls-unset.cfg", "io.pipelane.endpoint-viaproxy.cfg", "pipelane-itest-password");
        try (OrderedStatusServer proxy = new OrderedStatusServer()) {
            // The secret file: in etc/, Karaf's secrets folder (org.apache.felix.configadmin.plugin.interpolation.secretsdir).
            writeEtcFile("pipelane-itest-password", fromFile);
            writeEtcFile("io.pipelane.tls-fromenv.cfg", "name = fromenv\ntruststore = " + envStore
                    + "\ntruststore.type = PKCS12\ntruststore.password = $[env:PIPELANE_ITEST_SECRET]\n");
            writeEtcFile("io.pipelane.tls-fromfile.cfg", "name = fromfile\ntruststore = " + fileStore
                    + "\ntruststore.type = PKCS12\ntruststore.password = $[secret:pipelane-itest-password]\n");
            // The control: a variable that is not set leaves the placeholder, which opens nothing.
            writeEtcFile("io.pipelane.tls-unset.cfg", "name = unset\ntruststore = " + envStore
                    + "\ntruststore.type = PKCS12\ntruststore.password = $[env:PIPELANE_ITEST_NOT_SET]\n");
            writeEtcFile("io.pipelane.endpoint-viaproxy.cfg", "name = viaproxy\nuri = http://origin.invalid:8080\n"
                    + "proxy.host = 127.0.0.1\nproxy.port = " + URI.create(proxy.uri()).getPort()
                    + "\nproxy.user = app\nproxy.password = $[env:PIPELANE_ITEST_SECRET]\n");
            await("the TLS contexts and the endpoint", () -> {
                String e = ssh("pipelane:endpoints").out;
                return e.contains("  fromenv: ") && e.contains("  fromfile: ") && e.contains("  unset: ")
                        && endpointsOfFactory().contains("viaproxy");
            }, () -> ssh("pipelane:endpoints").out);

            SshResult endpoints = ssh("pipelane:endpoints");
            assertTrue(endpoints.out, endpoints.out.contains("  fromenv: OK, from io.pipelane.tls~fromenv\n"));
            assertTrue(endpoints.out, endpoints.out.contains("  fromfile: OK, from io.pipelane.tls~fromfile\n"));
            assertTrue(endpoints.out, endpoints.out.contains("  unset: INVALID, from io.pipelane.tls~unset\n"));
            assertTrue(endpoints.out, endpoints.out.contains("  proxy: " + proxy.uri() + ", user app, password ****\n"));
            assertFalse(endpoints.out, endpoints.out.contains(fromEnv) || endpoints.out.contains(fromFile));

            ssh("pipelane:get viaproxy / 1").assertSucceeded();
            assertEquals(List.of("GET http://origin.invalid:8080/ HTTP/1.1"), proxy.requestLines());
            assertEquals(List.of("Basic " + Base64.getEncoder().encodeToString(("app:" + fromEnv)
                    .getBytes(StandardCharsets.UTF_8))), proxy.proxyAuthorizations());

            // Stored: the placeholders only (the files in etc/ and Config Admin's configuration)...
            org.osgi.service.cm.Configuration stored = configurationAdmin.listConfigurations(
                    "(service.pid=io.pipelane.tls~fromfile)")[0];
            assertEquals("$[secret:pipelane-itest-password]", stored.getProperties().get("truststore.password"));
            // ...while config:list shows the configuration as delivered, the value filled in (what the README says).
            String listed = ssh("config:list \"(service.pid=io.pipelane.tls~fromfile)\"").out;
            assertTrue(listed, listed.contains("truststore.password = " + fromFile));
        } finally {
            for (String f : files) Files.deleteIfExists(etcFile(f));
        }
    }

    /** A PKCS12 trust store (one certificate of the JDK's) that opens only with {@code password}. */
    private static Path trustStore(Path file, String password) throws Exception {
        KeyStore jdk = KeyStore.getInstance(Paths.get(System.getProperty("java.home"), "lib", "security", "cacerts")
                .toFile(), "changeit".toCharArray());
        String alias = jdk.aliases().nextElement();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry(alias, jdk.getCertificate(alias));
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password.toCharArray());
        }
        return file;
    }

    /**
     * Issue 14: Karaf's own {@code bin/client} with a Pipelane command (it runs {@code org.apache.karaf.client.Main},
     * an ssh client). Given a command, Karaf's client closes the exec channel as soon as its standard input ends (a
     * thread reads it, for Ctrl-D): with stdin at end of file ({@code < /dev/null}, cron, CI) it prints nothing,
     * Karaf's own {@code echo hello} alike. That is Karaf's behaviour (README, "In Karaf"); run as the README says,
     * stdin left open as a terminal's is, or the commands given on stdin in batch mode ({@code -b}), pipelane:*
     * prints its whole output through it.
     */
    @Test
    public void ed_binClientPrintsTheOutputOfPipelaneCommands() throws Exception {
        installPipelane();
        awaitCommands("endpoints", "get");
        try (OrderedStatusServer server = new OrderedStatusServer()) {
            writeEtcFile("io.pipelane.endpoint-client.cfg", "name = client\nuri = " + server.uri() + "\n");
            await("endpoint 'client'", () -> endpointsOfFactory().contains("client"), this::diagnostics);

            ClientRun get = binClient(List.of("pipelane:get client / 2"), null);
            assertEquals("exit status of bin/client: " + get, 0, get.exitStatus);
            assertEquals("statuses printed through bin/client:\n" + get, List.of(200, 201), statuses(get.output));
            assertTrue("the summary line:\n" + get, Pattern.compile("(?m)^2 request\\(s\\) to client \\("
                    + Pattern.quote(server.uri()) + "/\\) on one connection").matcher(get.output).find());

            ClientRun batch = binClient(List.of("-b"), "pipelane:endpoints\npipelane:get client / 1\n");
            assertEquals("exit status of bin/client -b: " + batch, 0, batch.exitStatus);
            assertTrue("pipelane:endpoints through bin/client -b:\n" + batch, Pattern.compile(
                    "(?m)^client\\s+" + Pattern.quote(server.uri()) + "\\s+-\\s+OK$").matcher(batch.output).find());
            assertTrue("pipelane:get through bin/client -b:\n" + batch, batch.output.contains("#1 HTTP/1.1 200 "));
        } finally {
            Files.deleteIfExists(etcFile("io.pipelane.endpoint-client.cfg"));
        }
    }

    /** What one run of bin/client printed (standard output and error together) and its exit status. */
    private static final class ClientRun {
        final String output;
        final int exitStatus;

        ClientRun(String output, int exitStatus) {
            this.output = output;
            this.exitStatus = exitStatus;
        }

        @Override
        public String toString() {
            return "exit " + exitStatus + "\n" + output;
        }
    }

    /**
     * Runs this Karaf's {@code bin/client -a <sshPort> -h 127.0.0.1 -u itest -p itest <arguments>} as an operator
     * does. With {@code stdin} null its standard input stays open until it exits, as a terminal's does; else
     * {@code stdin} is written to it and it ends.
     */
    private ClientRun binClient(List<String> arguments, String stdin) throws Exception {
        Path client = Paths.get(System.getProperty("karaf.home"), "bin", "client");
        List<String> command = new ArrayList<>(List.of("sh", client.toString(), "-a", String.valueOf(sshPort()),
                "-h", "127.0.0.1", "-u", SSH_USER, "-p", SSH_USER));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        try {
            if (stdin != null) {
                try (OutputStream in = process.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> {
                try {
                    process.getInputStream().transferTo(output);
                } catch (IOException ended) {
                    // the process was destroyed
                }
            }, "itest-bin-client-output");
            reader.start();
            if (!process.waitFor(DEADLINE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("bin/client did not end within " + DEADLINE.toSeconds() + " s: " + command);
            }
            reader.join(DEADLINE.toMillis());
            ClientRun run = new ClientRun(output.toString(StandardCharsets.UTF_8), process.exitValue());
            System.out.println("$ " + String.join(" ", command) + (stdin == null ? "" : " <<< '" + stdin + "'")
                    + "\n" + run);
            return run;
        } finally {
            process.getOutputStream().close(); // stdin held open until now
            process.destroy();
        }
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

    /**
     * Types {@code line} in an interactive login shell (a pseudo-terminal, as {@code ssh -t} gives), then logs
     * out; returns what the terminal showed, without its escape sequences.
     */
    private String sshShell(String line) throws Exception {
        int port = sshPort();
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
            try (ClientSession s = client.connect(SSH_USER, "127.0.0.1", port).verify(Duration.ofSeconds(30))
                    .getSession()) {
                s.addPasswordIdentity(SSH_USER);
                s.auth().verify(Duration.ofSeconds(30));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (ChannelShell shell = s.createShellChannel()) {
                    shell.setPtyColumns(200);
                    shell.setIn(new ByteArrayInputStream((line + "\nlogout\n").getBytes(StandardCharsets.UTF_8)));
                    shell.setOut(out);
                    shell.setErr(out);
                    shell.open().verify(Duration.ofSeconds(30));
                    shell.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), DEADLINE.multipliedBy(2).toMillis());
                }
                String text = withoutEscapes(out.toString(StandardCharsets.UTF_8));
                System.out.println("$ ssh -t -p " + port + " " + SSH_USER + "@127.0.0.1 <<< '" + line + "'\n" + text);
                return text;
            }
        }
    }

    /** Text without the terminal's colour and cursor escape sequences, and without carriage returns. */
    private static String withoutEscapes(String text) {
        return text.replaceAll("\u001B\\[[0-9;?]*[a-zA-Z]", "").replace("\r", "");
    }

    /** What one ssh exec printed on its standard output and error, and its exit status. */
    private static final class SshResult {
        final String out;
        final String err;
        final Integer exitStatus;

        SshResult(String out, String err, Integer exitStatus) {
            this.out = out;
            this.err = err;
            this.exitStatus = exitStatus;
        }

        void assertSucceeded() {
            assertEquals("exit status of the ssh command: " + this, Integer.valueOf(0), exitStatus);
        }

        @Override
        public String toString() {
            return "exit " + exitStatus + "\n--- out ---\n" + out + "--- err ---\n" + err;
        }
    }

    /**
     * Runs one command the way {@code ssh -p <port> itest@127.0.0.1 '<command>'} does: a non-interactive exec
     * channel to Karaf's sshd (no terminal), so only what the command prints to the session reaches the client.
     */
    private SshResult ssh(String command) throws Exception {
        int port = sshPort();
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            ClientSession session = null;
            while (session == null) {
                try {
                    session = client.connect(SSH_USER, "127.0.0.1", port).verify(Duration.ofSeconds(30)).getSession();
                } catch (IOException notYetListening) {
                    if (System.nanoTime() > deadline) throw notYetListening;
                    Thread.sleep(200);
                }
            }
            try (ClientSession s = session) {
                s.addPasswordIdentity(SSH_USER);
                s.auth().verify(Duration.ofSeconds(30));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                try (ChannelExec exec = s.createExecChannel(command)) {
                    exec.setOut(out);
                    exec.setErr(err);
                    exec.open().verify(Duration.ofSeconds(30));
                    exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), DEADLINE.multipliedBy(2).toMillis());
                    SshResult r = new SshResult(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                            exec.getExitStatus());
                    System.out.println("$ ssh -p " + port + " " + SSH_USER + "@127.0.0.1 '" + command + "'\n" + r);
                    return r;
                }
            }
        }
    }

    private static Subject administrator() {
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal("karaf"));
        for (String role : new String[] {"admin", "manager", "viewer", "systembolt"}) {
            subject.getPrincipals().add(new RolePrincipal(role));
        }
        return subject;
    }

    /**
     * The port Karaf's sshd listens on: it binds port 0 (see config()), and its SshServer service knows the port it
     * was given. Waits until the service is there (the ssh feature starts after the test's probe may). A
     * configuration update while Karaf boots restarts its server on a new port, and Karaf 4.4.10's ssh activator
     * stops the old server without unregistering its service: the port taken is one that accepts a connection,
     * newest service first.
     */
    private int sshPort() throws Exception {
        int[] port = {0};
        await("Karaf's SshServer service listening", () -> {
            ServiceReference<?>[] refs = bundleContext.getAllServiceReferences(SshServer.class.getName(), null);
            if (refs == null) {
                return false;
            }
            Arrays.sort(refs, Comparator.comparingLong((ServiceReference<?> r) -> (Long) r.getProperty("service.id"))
                    .reversed());
            for (ServiceReference<?> ref : refs) {
                SshServer server = (SshServer) bundleContext.getService(ref);
                int candidate;
                try {
                    candidate = server == null ? 0 : server.getPort();
                } finally {
                    bundleContext.ungetService(ref);
                }
                if (candidate > 0 && accepts(candidate)) {
                    port[0] = candidate;
                    return true;
                }
            }
            return false;
        }, this::diagnostics);
        return port[0];
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            return true;
        } catch (IOException e) {
            return false;
        }
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
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (check.holds()) {
                    return;
                }
            } catch (Exception | AssertionError e) {
                // execute() reports a failed console command as an AssertionError: polled again like any other
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

}
