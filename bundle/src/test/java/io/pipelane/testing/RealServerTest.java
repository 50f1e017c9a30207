package io.pipelane.testing;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fixture's port check: on a shared machine another process may take the port picked for nginx or httpd before
 * it binds it (the suspected cause of "GET 0 got the bytes of its file: expected 1, was 7"). Here another server
 * holds the first port offered, and answers every request with 200 "foreign": the fixture must not take it for
 * its own, and starts its server on another port.
 */
class RealServerTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(RealServer.Kind.class)
    void aPortTakenByAnotherServerIsNeverMistakenForOurs(RealServer.Kind kind) throws Exception {
        try (ServerSocket foreign = new ServerSocket()) {
            foreign.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread answering = new Thread(() -> answerForeign(foreign), "foreign-server");
            answering.setDaemon(true);
            answering.start();
            AtomicInteger offered = new AtomicInteger();
            RealServer.Ports ports = () -> offered.getAndIncrement() == 0 ? foreign.getLocalPort()
                    : RealServer.freePort();
            try (RealServer server = RealServer.start(kind, dir, 100, 5,
                    Map.of("one", "1".getBytes(StandardCharsets.US_ASCII)), ports)) {
                assertEquals(2, offered.get(), "the taken port was given up for a second one");
                assertNotEquals(foreign.getLocalPort(), server.port());
                assertEquals("1", body(server.port(), "/one"), "the file is served by our server");
                assertTrue(server.accessLog().stream().anyMatch(l -> l.startsWith("GET /one 200")),
                        "our server's log has the request: " + server.accessLog());
                assertTrue(server.accessLog().stream().noneMatch(l -> l.contains(RealServer.TOKEN_PATH)),
                        "the token's requests are not in the log: " + server.accessLog());
            }
        }
    }

    private static void answerForeign(ServerSocket foreign) {
        while (!foreign.isClosed()) {
            try (Socket s = foreign.accept()) {
                s.setSoTimeout(5000);
                InputStream in = s.getInputStream();
                int matched = 0;
                byte[] end = {'\r', '\n', '\r', '\n'};
                for (int b; matched < 4 && (b = in.read()) >= 0; ) matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nforeign"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                // the test ended, or a client went away: next
            }
        }
    }

    private static String body(int port, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return all.substring(all.indexOf("\r\n\r\n") + 4);
        }
    }
}
