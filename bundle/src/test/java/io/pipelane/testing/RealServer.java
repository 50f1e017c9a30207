package io.pipelane.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real HTTP server on loopback, nginx or Apache httpd from Debian's packages ({@link DebianPackage} installs
 * it if missing), with a configuration generated into a folder of the test's: a free port of 127.0.0.1, the
 * given files as documents, a limit of requests per connection ({@code keepalive_requests},
 * {@code MaxKeepAliveRequests}), {@code POST /post...} answered 200, and an access log of one line per request:
 * {@code METHOD URI?QUERY STATUS CONNECTION REQUEST-NUMBER-ON-IT}.
 *
 * <p>The port: an external process cannot be handed a bound socket, so a free port is picked and the server binds
 * it later; on a shared machine another process may take it in between. So {@link #start} returns only once the
 * server that answers on the port serves this start's own {@link #TOKEN_PATH} (a random token): another program's
 * server on the port is never mistaken for ours, and when ours could not bind ("Address already in use") it is
 * started again on another port.
 *
 * <p>Lifecycle: {@link #start} (returns once the port answers with this server's token) → {@link #close()} (stops
 * the process it started, by its handle, and that process's descendants). Used by one test thread.
 */
public final class RealServer implements AutoCloseable {
    /** The servers, with their Debian package and binary. */
    public enum Kind {
        NGINX("nginx", "/usr/sbin/nginx"),
        HTTPD("apache2", "/usr/sbin/apache2");

        final String pkg;
        final Path binary;

        Kind(String pkg, String binary) {
            this.pkg = pkg;
            this.binary = Path.of(binary);
        }
    }

    /** The document whose body is the random token of one start; its requests are left out of {@link #accessLog}. */
    static final String TOKEN_PATH = "/pipelane-server-token";
    /** How many ports are tried when each one is taken before the server binds it. */
    private static final int PORT_ATTEMPTS = 5;

    private final Kind kind;
    private final Path dir;
    private final int port;
    private final Process process;
    private final String token;

    private RealServer(Kind kind, Path dir, int port, Process process, String token) {
        this.kind = kind;
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.token = token;
    }

    /** How a start ended: this start's server answers, or its port was taken by another process first. */
    private enum Started { OURS, PORT_TAKEN }

    /**
     * Starts {@code kind} in {@code dir} (a fresh folder) serving {@code files} (name → bytes) at {@code /name},
     * closing each connection after {@code requestsPerConnection} requests (for httpd, its
     * {@code MaxKeepAliveRequests}: httpd serves that many keep-alive requests after the first) and an idle one
     * after {@code idleTimeoutSeconds}.
     */
    public static RealServer start(Kind kind, Path dir, int requestsPerConnection, int idleTimeoutSeconds,
                                   Map<String, byte[]> files) throws IOException, InterruptedException {
        return start(kind, dir, requestsPerConnection, idleTimeoutSeconds, files, RealServer::freePort);
    }

    /** Where the ports to try come from: free ports, or, in the fixture's own test, one another process holds. */
    @FunctionalInterface
    interface Ports {
        int next() throws IOException;
    }

    static RealServer start(Kind kind, Path dir, int requestsPerConnection, int idleTimeoutSeconds,
                            Map<String, byte[]> files, Ports ports) throws IOException, InterruptedException {
        Path binary = DebianPackage.require(kind.pkg, kind.binary);
        // The workers run as an unprivileged user when started as root: they must be able to read the folder.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path www = Files.createDirectories(dir.resolve("www"));
        for (Map.Entry<String, byte[]> f : files.entrySet()) Files.write(www.resolve(f.getKey()), f.getValue());
        Files.writeString(www.resolve("post"), "posted\n");
        IOException taken = null;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            String token = java.util.UUID.randomUUID().toString();
            Files.writeString(www.resolve(TOKEN_PATH.substring(1)), token);
            RealServer server = launch(kind, binary, dir, www, ports.next(), token, requestsPerConnection,
                    idleTimeoutSeconds);
            try {
                if (server.awaitOurs() == Started.OURS) return server;
                taken = new IOException(server + " could not bind its port, taken by another process: "
                        + server.diagnostics());
            } catch (IOException | RuntimeException | InterruptedException e) {
                server.close();
                throw e;
            }
            server.close();
            Files.deleteIfExists(dir.resolve("error.log"));
            Files.deleteIfExists(dir.resolve("stdout.log"));
        }
        throw taken;
    }

    private static RealServer launch(Kind kind, Path binary, Path dir, Path www, int port, String token,
                                     int requestsPerConnection, int idleTimeoutSeconds) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        boolean root = "root".equals(System.getProperty("user.name"));
        if (kind == Kind.NGINX) {
            Files.createDirectories(dir.resolve("tmp"));
            Path conf = dir.resolve("nginx.conf");
            Files.writeString(conf, String.join("\n",
                    "daemon off;", "worker_processes 1;", root ? "user root;" : "",
                    "pid " + dir.resolve("nginx.pid") + ";", "error_log " + dir.resolve("error.log") + " warn;",
                    "events { worker_connections 1024; }",
                    "http {",
                    "  log_format t '$request_method $request_uri $status $connection $connection_requests';",
                    "  access_log " + dir.resolve("access.log") + " t;",
                    "  client_body_temp_path " + dir.resolve("tmp") + ";",
                    "  proxy_temp_path " + dir.resolve("tmp") + ";",
                    "  fastcgi_temp_path " + dir.resolve("tmp") + ";",
                    "  uwsgi_temp_path " + dir.resolve("tmp") + ";",
                    "  scgi_temp_path " + dir.resolve("tmp") + ";",
                    "  keepalive_requests " + requestsPerConnection + ";",
                    "  keepalive_timeout " + idleTimeoutSeconds + "s;",
                    "  server {",
                    "    listen 127.0.0.1:" + port + ";",
                    "    root " + www + ";",
                    "    location = /post { return 200 \"posted\\n\"; }",
                    "  }",
                    "}", ""));
            command.addAll(List.of("-p", dir.toString(), "-c", conf.toString()));
        } else {
            Path modules = Path.of("/usr/lib/apache2/modules");
            Path conf = dir.resolve("httpd.conf");
            Files.writeString(conf, String.join("\n",
                    "ServerRoot " + dir, "ServerName localhost", "Listen 127.0.0.1:" + port,
                    "LoadModule mpm_event_module " + modules.resolve("mod_mpm_event.so"),
                    "LoadModule authz_core_module " + modules.resolve("mod_authz_core.so"),
                    root ? "User www-data" : "", root ? "Group www-data" : "",
                    "PidFile " + dir.resolve("httpd.pid"), "DefaultRuntimeDir " + dir,
                    "ErrorLog " + dir.resolve("error.log"), "LogLevel warn",
                    // %k: keep-alive requests handled on the connection before this one; %{remote}p tells them apart
                    "LogFormat \"%m %U%q %>s %{remote}p %k\" t",
                    "CustomLog " + dir.resolve("access.log") + " t",
                    "KeepAlive On", "MaxKeepAliveRequests " + requestsPerConnection,
                    "KeepAliveTimeout " + idleTimeoutSeconds,
                    "DocumentRoot " + www,
                    "<Directory " + www + ">", "  Require all granted", "</Directory>", ""));
            command.addAll(List.of("-f", conf.toString(), "-DFOREGROUND"));
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        return new RealServer(kind, dir, port, p, token);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Waits (at most 20 s) until the port answers {@link #TOKEN_PATH} with this start's token. A connection refused,
     * or another server's answer, means ours is not listening yet (nginx retries a taken port for 2.5 s before it
     * gives up); our process ending because the address was in use means the port was taken; ending otherwise
     * fails the start.
     */
    private Started awaitOurs() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String last = "nothing";
        while (true) {
            if (!process.isAlive()) {
                String why = diagnostics();
                if (why.contains("Address already in use")) return Started.PORT_TAKEN;
                throw new IOException(kind + " ended at start: " + why);
            }
            try {
                String answer = get(TOKEN_PATH);
                if (answer.endsWith("\r\n\r\n" + token)) return Started.OURS;
                last = "an answer without this server's token (another server on the port?): " + answer;
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(this + " did not answer with its token; last: " + last + diagnostics());
            }
            process.waitFor(20, TimeUnit.MILLISECONDS); // returns early if it ends
        }
    }

    /** A GET of {@code path} on a connection of its own: the whole answer (head and body) as text. */
    private String get(String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host(), port), 1000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host() + ":" + port
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    public Kind kind() {
        return kind;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    /** The access log's lines so far (see the class comment for their form), without the token's requests. */
    public List<String> accessLog() throws IOException {
        Path log = dir.resolve("access.log");
        if (!Files.exists(log)) return List.of();
        List<String> lines = new ArrayList<>(Files.readAllLines(log, StandardCharsets.UTF_8));
        lines.removeIf(l -> l.contains(" " + TOKEN_PATH + " "));
        return lines;
    }

    /**
     * Waits (at most 20 s) until at least {@code count} access log lines match: the server writes a line once it
     * has answered, which may be just after the client read the answer.
     */
    public List<String> awaitLogLines(Predicate<String> match, int count) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            List<String> lines = accessLog();
            if (lines.stream().filter(match).count() >= count || System.nanoTime() > deadline) return lines;
            process.waitFor(50, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The connections that carried a request: the lines of each connection's first request (nginx numbers a
     * connection's requests from 1, httpd's %k counts the requests before this one). Not the distinct values of
     * the connection column: httpd's is the client's port, which a later connection may be given again.
     */
    public long connectionsInLog() throws IOException {
        String first = kind == Kind.NGINX ? "1" : "0";
        return accessLog().stream().map(l -> l.split(" ")).filter(f -> f.length == 5 && f[4].equals(first)).count();
    }

    private String diagnostics() {
        StringBuilder b = new StringBuilder();
        for (String f : List.of("stdout.log", "error.log")) {
            try {
                Path p = dir.resolve(f);
                if (Files.exists(p)) b.append('\n').append(f).append(":\n").append(Files.readString(p));
            } catch (IOException e) {
                b.append('\n').append(f).append(": ").append(e);
            }
        }
        return b.toString();
    }

    /** Stops the server (SIGTERM, then SIGKILL after 10 s) and whatever it forked. */
    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        for (ProcessHandle h : children) {
            if (h.isAlive()) h.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return kind + " on " + host() + ":" + port;
    }
}
