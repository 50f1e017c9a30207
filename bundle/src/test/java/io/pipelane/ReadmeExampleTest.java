package io.pipelane;

import io.pipelane.testing.ScriptedServer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's usage example, kept compiling and running against a real server. */
class ReadmeExampleTest {
    @Test
    void theReadmeExampleRuns() throws Exception {
        List<String> printed = new ArrayList<>();
        try (ScriptedServer server = new ScriptedServer(peer -> {
            for (ScriptedServer.RecordedRequest r; (r = peer.readRequest()) != null; ) {
                peer.respond(200, r.target.substring("/items/".length()));
            }
        })) {
            // --- as in README.md, with the server's address ---
            try (ConnectionFactory factory = ConnectionFactory.builder().build()) {
                Connection c = factory.create(Endpoint.of("http://127.0.0.1:" + server.port()),
                        ConnectionOptions.builder().persistence(Persistence.AUTO).build());

                List<CompletableFuture<Response<String>>> responses = new ArrayList<>();
                for (String key : List.of("a", "b", "c")) {
                    responses.add(c.call(Request.get("/items/" + key), BodyHandlers.ofString()));
                }
                for (var r : responses) {
                    try {
                        printed.add(r.join().status() + " " + r.join().body());
                    } catch (CompletionException e) {
                        if (e.getCause() instanceof RetryException) {
                            printed.add("retry");
                        }
                    }
                }
                c.shutdown();
                c.closed().toCompletableFuture().join();
            }
        }
        assertEquals(List.of("200 a", "200 b", "200 c"), printed);
    }
}
