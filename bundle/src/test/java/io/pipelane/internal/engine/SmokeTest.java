package io.pipelane.internal.engine;

import io.pipelane.*;
import io.pipelane.testing.ScriptedServer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class SmokeTest {
    @Test
    void pipelinesFiveGets() throws Exception {
        try (ScriptedServer server = new ScriptedServer(peer -> {
            var reqs = peer.readRequests(5);
            for (var r : reqs) peer.respond(200, "hello " + r.target);
            peer.awaitClientEof(java.time.Duration.ofSeconds(5));
        });
             ConnectionFactory f = ConnectionFactory.builder().build()) {
            Connection c = f.create(Endpoint.http(server.host(), server.port()),
                    ConnectionOptions.builder().persistence(Persistence.TRUE).build());
            List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
            for (int i = 0; i < 5; i++) rs.add(c.call(Request.get("/" + i), BodyHandlers.ofString()));
            for (int i = 0; i < 5; i++) assertEquals("hello /" + i, rs.get(i).get(5, TimeUnit.SECONDS).body());
            assertEquals(0, c.length());
            c.shutdown();
            c.closed().toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertEquals(ConnectionState.CLOSED, c.state());
        }
    }
}
