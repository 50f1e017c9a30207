package io.pipelane.itest.felix;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Real local HTTP and HTTPS servers (the JDK's), on 127.0.0.1 and free ports. Each answers {@code name path};
 * {@code /hold} waits until {@link #release()} (or 30 s), so a test can keep a request in flight.
 */
final class TestServers {
    /** A self-signed certificate for localhost and 127.0.0.1, made with keytool, and trust stores for it. */
    static final class Certificate {
        final Path dir;
        final Path serverKeyStore;
        final Path trustStoreP12;
        final Path trustStorePem;
        static final String SERVER_PASSWORD = "server-pass";
        static final String TRUST_PASSWORD = "trust-pass-do-not-log";

        Certificate() throws Exception {
            dir = Files.createTempDirectory("pipelane-itest-tls");
            serverKeyStore = dir.resolve("server.p12");
            trustStoreP12 = dir.resolve("trust.p12");
            trustStorePem = dir.resolve("trust.pem");
            keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                    "-storetype", "PKCS12", "-keystore", serverKeyStore.toString(),
                    "-storepass", SERVER_PASSWORD, "-keypass", SERVER_PASSWORD);
            keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", serverKeyStore.toString(),
                    "-storepass", SERVER_PASSWORD, "-file", trustStorePem.toString());
            // The PKCS12 trust store in-process (each keytool run is a JVM start).
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream in = Files.newInputStream(trustStorePem)) {
                trust.setCertificateEntry("server",
                        java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            try (java.io.OutputStream out = Files.newOutputStream(trustStoreP12)) {
                trust.store(out, TRUST_PASSWORD.toCharArray());
            }
        }

        SSLContext serverContext() throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(new ByteArrayInputStream(Files.readAllBytes(serverKeyStore)), SERVER_PASSWORD.toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, SERVER_PASSWORD.toCharArray());
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(kmf.getKeyManagers(), null, null);
            return c;
        }

        private static void keytool(String... args) throws Exception {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + out);
            }
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4);
    private final String name;
    /** Every request handled, as {@code "path from client-address"}: which requests came, and on which connections. */
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch hold = new CountDownLatch(1);
    final CountDownLatch holding = new CountDownLatch(1);

    private TestServers(HttpServer server, String name) {
        this.server = server;
        this.name = name;
        server.createContext("/", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    static TestServers http(String name) throws IOException {
        return new TestServers(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0), name);
    }

    static TestServers https(String name, SSLContext context) throws IOException {
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(context));
        return new TestServers(s, name);
    }

    int port() {
        return server.getAddress().getPort();
    }

    /**
     * How many requests for {@code path} arrived. A test counts its own unique paths: a port freed by a stopped
     * server is soon given to another (by this JVM or another process on the machine), so a request for someone
     * else's server, from a client that reconnects to that port, may reach this one.
     */
    int requests(String path) {
        int n = 0;
        for (String s : seen) {
            if (s.startsWith(path + " from ")) n++;
        }
        return n;
    }

    /** Every request handled so far, with the connection it came on, for failure messages. */
    String seen() {
        return String.join(", ", seen);
    }

    void release() {
        hold.countDown();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
        }
        String path = exchange.getRequestURI().getPath();
        seen.add(path + " from " + exchange.getRemoteAddress());
        if (path.equals("/hold")) {
            holding.countDown();
            try {
                hold.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] body = (name + " " + path).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    void stop() {
        release();
        server.stop(0);
        threads.shutdownNow();
    }
}
