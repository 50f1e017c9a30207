package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.TlsOptions;
import io.pipelane.testing.TestCerts;
import io.pipelane.testing.TlsEngineServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The writer coalesces pipelined requests: 64 GETs queued while the connection is still connecting (the TLS
 * server holds its handshake) go out in very few socket writes once it is established.
 */
class WriterCoalescingTest {
    private static final int REQUESTS = 64;

    @TempDir
    Path keys;

    @Test
    void requestsQueuedBeforeConnectingAreWrittenInOneBatch() throws Exception {
        TestCerts certs = TestCerts.generate(keys, "localhost", "dns:localhost,ip:127.0.0.1");
        try (TlsEngineServer server = new TlsEngineServer(certs.serverContext(), peer -> {
            List<TlsEngineServer.Req> reqs = peer.readRequests(REQUESTS);
            StringBuilder all = new StringBuilder();
            for (TlsEngineServer.Req r : reqs) {
                String body = "got " + r.target();
                all.append("HTTP/1.1 200 OK\r\nContent-Length: ").append(body.length()).append("\r\n\r\n").append(body);
            }
            peer.send(all.toString());
            peer.awaitEnd();
        });
             ConnectionFactory factory = ConnectionFactory.builder().build()) {
            server.holdHandshakes();
            ConnectionOptions opts = ConnectionOptions.builder().persistence(Persistence.TRUE)
                    .maxPipelineDepth(REQUESTS)
                    .tls(TlsOptions.builder().sslContext(certs.clientContext()).build()).build();
            HttpConnection c = (HttpConnection) factory.create(Endpoint.https("localhost", server.port()), opts);
            List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) rs.add(c.call(Request.get("/r" + i), BodyHandlers.ofString()));
            assertEquals(ConnectionState.CONNECTING, c.state(), "queued while connecting");
            assertEquals(REQUESTS, c.length());
            server.releaseHandshakes();

            for (int i = 0; i < REQUESTS; i++) assertEquals("got /r" + i, rs.get(i).get(10, TimeUnit.SECONDS).body());
            long[] stats = c.writeStats();
            long writeCalls = stats[0];
            long bytes = stats[1];
            assertTrue(bytes >= REQUESTS * "GET /rN HTTP/1.1\r\nHost: localhost:1\r\n\r\n".length(),
                    "bytes written: " + bytes);
            assertTrue(writeCalls >= 1 && writeCalls <= 2,
                    REQUESTS + " queued requests (" + bytes + " bytes) took " + writeCalls + " socket writes");
            c.close();
        }
    }
}
