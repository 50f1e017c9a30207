package io.pipelane.itest.felix;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.pipelane.Connection;
import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionFactory;
import io.pipelane.PipelaneException;
import io.pipelane.Request;
import io.pipelane.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/** Stopping the bundle fails outstanding requests clearly and leaves no Pipelane thread behind. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundleStopIT extends FelixTestSupport {

    @Test
    public void stoppingTheBundleFailsOutstandingRequestsAndLeavesNoThread() throws Exception {
        TestServers server = TestServers.http("s");
        Bundle pipelane = pipelaneBundle();
        try {
            factoryConfig("io.pipelane.endpoint", "held", "uri", "http://127.0.0.1:" + server.port(),
                    "persistence", "TRUE");
            ConnectionFactory factory = factory("held");
            List<Connection> connections = new ArrayList<>();
            List<CompletableFuture<Response<byte[]>>> outstanding = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Connection c = factory.create("held");
                connections.add(c);
                assertEquals(200, c.call(Request.get("/warm")).get(10, TimeUnit.SECONDS).status());
            }
            outstanding.add(connections.get(0).call(Request.get("/hold")));
            assertTrue(server.holding.await(10, TimeUnit.SECONDS));
            outstanding.add(connections.get(0).call(Request.get("/behind")));
            outstanding.add(connections.get(1).call(Request.post("/post", io.pipelane.RequestBody.of("x"))));
            assertFalse(pipelaneThreads().isEmpty());

            pipelane.stop();

            for (CompletableFuture<Response<byte[]>> f : outstanding) {
                try {
                    Response<byte[]> r = f.get(10, TimeUnit.SECONDS);
                    // The POST may have been answered before the stop.
                    assertEquals(200, r.status());
                    assertEquals("/post", r.request().target());
                } catch (ExecutionException e) {
                    assertTrue(String.valueOf(e.getCause()), e.getCause() instanceof PipelaneException);
                    Throwable cause = e.getCause().getCause();
                    assertTrue(String.valueOf(cause), cause instanceof ConnectionClosedException);
                    assertTrue(cause.getMessage(), cause.getMessage().contains("bundle io.pipelane"));
                    assertTrue(cause.getMessage(), cause.getMessage().contains("stopped"));
                }
            }
            try {
                outstanding.get(0).get(1, TimeUnit.SECONDS);
                fail("the held request cannot have succeeded");
            } catch (ExecutionException expected) {
                // checked above
            }
            for (Connection c : connections) assertTrue(c.isClosed());
            await("no thread named pipelane* is left: " + pipelaneThreads(), () -> pipelaneThreads().isEmpty());
            assertEquals(Bundle.RESOLVED, pipelane.getState());
            assertTrue(context.getServiceReference(ConnectionFactory.class) == null);
        } finally {
            server.stop();
            if (pipelane.getState() != Bundle.ACTIVE) pipelane.start();
        }
        // Started again, it serves again.
        ConnectionFactory again = factory("held");
        TestServers server2 = TestServers.http("s2");
        try {
            factoryConfig("io.pipelane.endpoint", "held", "uri", "http://127.0.0.1:" + server2.port());
            await("the endpoint follows the new configuration", () -> {
                Connection c = again.create("held");
                c.close();
                return c.endpoint().port() == server2.port();
            });
        } finally {
            server2.stop();
            deleteConfigurations();
        }
    }
}
