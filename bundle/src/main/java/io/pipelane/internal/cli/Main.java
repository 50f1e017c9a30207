package io.pipelane.internal.cli;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar pipelane.jar [URL [COUNT [persistence]]]}: sends COUNT pipelined GETs to URL on one
 * connection and prints each status and the timing. Without a URL it starts a small HTTP server on loopback
 * and talks to that, so that the command works on any machine.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out));
    }

    static int run(String[] args, PrintStream out) throws Exception {
        if (args.length > 0 && (args[0].equals("-h") || args[0].equals("--help"))) {
            out.println("usage: java -jar pipelane.jar [URL [COUNT [TRUE|FALSE|AUTO]]]");
            return 0;
        }
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        Persistence persistence = args.length > 2 ? Persistence.valueOf(args[2].toUpperCase()) : Persistence.TRUE;
        DemoServer demo = args.length == 0 ? new DemoServer() : null;
        URI uri = URI.create(demo != null ? "http://127.0.0.1:" + demo.port() + "/hello" : args[0]);
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        Endpoint endpoint = Endpoint.of(uri.getScheme() + "://" + uri.getRawAuthority());
        try (ConnectionFactory factory = ConnectionFactory.builder().build()) {
            ConnectionOptions options = ConnectionOptions.builder().persistence(persistence)
                    .maxPipelineDepth(Math.max(1, count)).build();
            Connection connection = factory.connect(endpoint, options).toCompletableFuture().get(30, TimeUnit.SECONDS);
            long start = System.nanoTime();
            List<CompletableFuture<Response<byte[]>>> responses = new ArrayList<>();
            for (int i = 0; i < count; i++) responses.add(connection.call(Request.get(target), BodyHandlers.ofByteArray()));
            int failures = 0;
            for (int i = 0; i < count; i++) {
                try {
                    Response<byte[]> r = responses.get(i).get(60, TimeUnit.SECONDS);
                    out.printf("%3d  %s %d %s  (%d bytes)%n", i + 1, r.version(), r.status(), r.reason(), r.body().length);
                } catch (java.util.concurrent.ExecutionException e) {
                    failures++;
                    out.printf("%3d  failed: %s%n", i + 1, e.getCause());
                }
            }
            long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start);
            out.printf("%d requests to %s on one connection (pipelining %s) in %.3f ms%n", count, endpoint,
                    connection.isPipelining() ? "on" : "off", micros / 1000.0);
            connection.shutdown();
            connection.closed().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return failures == 0 ? 0 : 1;
        } finally {
            if (demo != null) demo.close();
        }
    }

    /** A keep-alive HTTP/1.1 server on loopback answering every request with a short text. */
    static final class DemoServer implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());

        DemoServer() throws IOException {
            Thread t = new Thread(this::accept, "pipelane-demo-server");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> serve(s), "pipelane-demo-connection");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private static void serve(Socket s) {
            byte[] response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!"
                    .getBytes(StandardCharsets.US_ASCII);
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                byte[] buf = new byte[16384];
                int matched = 0; // position in "\r\n\r\n": every request of a GET ends there
                for (int n; (n = in.read(buf)) > 0; ) {
                    int ready = 0;
                    for (int i = 0; i < n; i++) {
                        byte b = buf[i];
                        matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
                        if (matched == 4) {
                            ready++;
                            matched = 0;
                        }
                    }
                    for (int i = 0; i < ready; i++) out.write(response);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the client went away
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
