package io.pipelane.internal.codec;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.Endpoint;
import io.pipelane.MalformedResponseException;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reproductions of the parser's framing issue as a user meets them: responses from a real server over a real
 * connection (the parser's own table covers every case byte by byte and at every split).
 */
class ParserOverConnectionTest {
    private final TestResources resources = new TestResources();

    @AfterEach
    void tearDown() throws Exception {
        resources.close();
    }

    private Connection connect(ScriptedServer.Script script) throws Exception {
        ScriptedServer server = resources.server(script);
        return resources.add(resources.factory.create(Endpoint.http(server.host(), server.port())));
    }

    @Test
    void aChunkExtensionWithoutValueFailsTheCallNamingTheChunkLine() throws Exception {
        Connection c = connect(peer -> {
            peer.readRequest();
            peer.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=\r\nok\r\n0\r\n\r\n");
        });
        CompletableFuture<Response<String>> r = c.call(Request.get("/"), BodyHandlers.ofString());
        Throwable failure = TestResources.failure(r);
        assertInstanceOf(MalformedResponseException.class, failure, String.valueOf(failure));
        assertTrue(failure.getMessage().contains("invalid chunk-size line \"2;a=\": empty chunk extension value"),
                failure.getMessage());
    }

    @Test
    void validChunkExtensionsAndALongContentLengthKeepTheConnectionGoing() throws Exception {
        Connection c = connect(peer -> {
            peer.readRequest();
            peer.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2; a = \"x y\";b\r\nok\r\n0;c=d\r\n\r\n");
            peer.readRequest();
            peer.send("HTTP/1.1 200 OK\r\nContent-Length: 0000000000000000002\r\n\r\nhi");
        });
        assertEquals("ok", c.call(Request.get("/1"), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS).body());
        Response<String> second = c.call(Request.get("/2"), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);
        assertEquals("hi", second.body());
        assertEquals("0000000000000000002", second.headers().first("Content-Length"));
        assertFalse(c.isClosed(), "the connection persists after both");
    }

    @Test
    void aHeadResponseEndsAtItsHeadWhateverItsContentLengthSays() throws Exception {
        Connection c = connect(peer -> {
            peer.readRequest();
            peer.send("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n");
            peer.readRequest();
            peer.send("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
            peer.readRequest();
            peer.send("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n");
            peer.readRequest();
            peer.send("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext");
        });
        for (List<String> expected : List.of(List.of("abc"), List.of("1", "2"), List.of(""))) {
            Response<byte[]> head = c.call(Request.head("/")).get(10, TimeUnit.SECONDS);
            assertEquals(200, head.status());
            assertEquals(0, head.body().length);
            assertEquals(expected, head.headers().all("Content-Length"), "the value as the server sent it");
        }
        assertEquals("next", c.call(Request.get("/"), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS).body());
        assertFalse(c.isClosed());
    }
}
