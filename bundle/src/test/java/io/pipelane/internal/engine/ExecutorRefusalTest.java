package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An executor that starts refusing tasks (one shutting down) does not strand a connection's responses: the reader,
 * which would hand its reading on to a new task after each read, reads on itself and runs the completions on its
 * own thread.
 */
class ExecutorRefusalTest {
    private final TestResources resources = new TestResources();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() throws Exception {
        resources.close();
        pool.shutdownNow();
    }

    @Test
    void responsesAreStillDeliveredWhenTheExecutorRefusesTheReadersNextTask() throws Exception {
        int n = 20;
        ScriptedServer server = resources.server(peer -> {
            for (int i = 0; i < n; i++) peer.respond(200, peer.readRequest().target);
        });
        AtomicBoolean refusing = new AtomicBoolean();
        AtomicInteger refused = new AtomicInteger();
        Executor executor = task -> {
            if (refusing.get()) {
                refused.incrementAndGet();
                throw new RejectedExecutionException("shutting down");
            }
            pool.execute(task);
        };
        Connection c = resources.factory.connect(Endpoint.http(server.host(), server.port()),
                ConnectionOptions.builder().persistence(Persistence.TRUE).executor(executor).build())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        // The drain task that completed connected() may not have ended its round yet: a response completed while
        // it runs joins it (no drain of the reader's own, so no hand-on for the executor to refuse). Start refusing
        // once it has ended, so that each response's drain is due on the reader and hands the reading on.
        awaitIdle(((HttpConnection) c).delivery());
        refusing.set(true);
        for (int i = 0; i < n; i++) {
            assertEquals("/" + i, c.call(Request.get("/" + i), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS).body());
        }
        assertTrue(refused.get() >= n, "the executor refused " + refused.get() + " tasks");
        c.close();
    }

    private static void awaitIdle(Delivery d) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!d.isIdle()) {
            if (System.nanoTime() > deadline) throw new AssertionError("the delivery never became idle");
            Thread.sleep(1);
        }
    }
}
