package io.pipelane.internal.event;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionEvent;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionListener;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.internal.engine.PipelaneConnectionFactory;
import io.pipelane.testing.ScriptedServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener that throws, or that never returns, cannot break or hold up a connection: events reach it through
 * its own bounded queue and thread, and what it throws is caught.
 */
class ListenerIsolationTest {
    private ScriptedServer server;
    private ConnectionFactory factory;

    @AfterEach
    void tearDown() throws Exception {
        if (factory != null) factory.close();
        if (server != null) server.close();
    }

    private Connection pipelined() throws Exception {
        server = new ScriptedServer(peer -> {
            while (peer.readRequest() != null) peer.respond(200, "ok");
        });
        return factory.create(Endpoint.http(server.host(), server.port()),
                ConnectionOptions.builder().persistence(Persistence.TRUE).maxQueuedRequests(4096).build());
    }

    private static void sendAll(Connection c, int n) throws Exception {
        List<CompletableFuture<Response<String>>> responses = new ArrayList<>();
        for (int i = 0; i < n; i++) responses.add(c.call(Request.get("/" + i), BodyHandlers.ofString()));
        for (var r : responses) assertEquals("ok", r.get(30, TimeUnit.SECONDS).body());
    }

    @Test
    void aListenerThatThrowsBreaksNothingAndOthersStillReceiveEverything() throws Exception {
        AtomicLong calls = new AtomicLong();
        ConnectionListener throwing = new ConnectionListener() {
            @Override
            public void requestQueued(ConnectionEvent.RequestQueued e) {
                calls.incrementAndGet();
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void responseComplete(ConnectionEvent.ResponseCompleted e) {
                calls.incrementAndGet();
                throw new Error("worse listener bug");
            }
        };
        RecordingListener healthy = new RecordingListener();
        factory = ConnectionFactory.builder().listener(throwing).listener(healthy).build();
        Connection c = pipelined();
        sendAll(c, 50);
        c.shutdown();
        healthy.awaitEvent(ConnectionEvent.ConnectionClosed.class);

        assertEquals(50, healthy.all(ConnectionEvent.ResponseCompleted.class).size());
        var status = ((PipelaneConnectionFactory) factory).events().listeners().get(0);
        // The throwing listener's calls all happened (its thread survived each exception) and each was counted.
        assertEquals(100, calls.get());
        assertEquals(100, status.failures());
        assertEquals(0, status.dropped());
    }

    @Test
    void aListenerThatNeverReturnsHoldsUpNoConnectionAndCatchesUpLater() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stuck = new CountDownLatch(1);
        RecordingListener after = new RecordingListener();
        ConnectionListener slow = new ConnectionListener() {
            @Override
            public void requestQueued(ConnectionEvent.RequestQueued e) {
                stuck.countDown();
                try {
                    release.await();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void connectionClosed(ConnectionEvent.ConnectionClosed e) {
                after.connectionClosed(e);
            }
        };
        factory = ConnectionFactory.builder().listener(slow).build();
        Connection c = pipelined();
        // 3,000 requests make 12,000 events and more: more than the stuck listener's queue holds (8,192).
        sendAll(c, 3000);
        assertTrue(stuck.await(10, TimeUnit.SECONDS));
        var status = ((PipelaneConnectionFactory) factory).events().listeners().get(0);
        assertTrue(status.dropped() > 0, "the full queue drops and counts: " + status);
        // Every event published so far (4 per request, the connection's opening and its persistence) is either
        // queued for it, dropped, or the one it is stuck in: none was lost silently, none waited for it.
        // (The connection's opening and persistence may reach it before the first request, which it is stuck in.)
        assertEquals(3000L * 4 + 2, status.delivered() + status.queued() + status.dropped() + 1, status.toString());

        release.countDown();
        // It catches up: once it has emptied its queue, it receives the events published from then on.
        EventBus bus = ((PipelaneConnectionFactory) factory).events();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        // Each event published so far ends up delivered or counted as dropped.
        while (bus.listeners().get(0).delivered() + bus.listeners().get(0).dropped() < 3000L * 4 + 2) {
            assertTrue(System.nanoTime() < deadline, "the released listener never emptied its queue: "
                    + bus.listeners().get(0));
            Thread.sleep(5); // polling a condition, with a deadline far beyond need
        }
        assertEquals(0, bus.listeners().get(0).queued());
        c.shutdown();
        // It caught up: the connection's last event, published after the drops, reaches it.
        ConnectionEvent.ConnectionClosed closed = after.awaitEvent(ConnectionEvent.ConnectionClosed.class);
        assertEquals(3000, closed.requests());
    }

    @Test
    void aRemovedListenerReceivesNothingMoreAndNobodyListeningMeansNoEvents() throws Exception {
        RecordingListener removed = new RecordingListener();
        RecordingListener kept = new RecordingListener();
        factory = ConnectionFactory.builder().build();
        EventBus bus = ((PipelaneConnectionFactory) factory).events();
        assertFalse(bus.active(), "no listener: connections build no event");
        bus.addListener(removed, null, "removed");
        bus.addListener(kept, null, "kept");
        assertTrue(bus.active());
        bus.removeListener(removed);

        Connection c = pipelined();
        sendAll(c, 5);
        c.shutdown();
        kept.awaitEvent(ConnectionEvent.ConnectionClosed.class);
        assertEquals(5, kept.all(ConnectionEvent.ResponseCompleted.class).size());
        assertEquals(List.of(), removed.events);
        bus.removeListener(kept);
        assertFalse(bus.active());
    }

    @Test
    void aListenerRestrictedToEndpointsSeesOnlyThose() throws Exception {
        RecordingListener other = new RecordingListener();
        RecordingListener all = new RecordingListener();
        factory = ConnectionFactory.builder().build();
        EventBus bus = ((PipelaneConnectionFactory) factory).events();
        bus.addListener(other, java.util.Set.of("billing"), "billing only");
        bus.addListener(all, null, "all");
        Connection c = pipelined();
        sendAll(c, 2);
        c.shutdown();
        all.awaitEvent(ConnectionEvent.ConnectionClosed.class);
        assertEquals(List.of(), other.events);
    }
}
