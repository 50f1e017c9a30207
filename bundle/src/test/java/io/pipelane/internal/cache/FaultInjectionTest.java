package io.pipelane.internal.cache;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.MalformedResponseException;
import io.pipelane.Persistence;
import io.pipelane.PipelaneException;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.PossiblyProcessedException;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.TlsOptions;
import io.pipelane.testing.LoopbackAcceptor;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestCerts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issues 16, 17 and 10 as they were found: a seeded fault-injecting server on real loopback sockets (TLS for some
 * seeds), random methods, pipelined and sequential, through a {@link Connection} (persistence TRUE, FALSE, AUTO)
 * and through a {@link ConnectionCache} with {@code retry} 1 to 3.
 *
 * <p>Each seed plans what the server does on each connection it accepts, in accept order: answer in full
 * (optionally announcing {@code Connection: close} after N responses, as real servers' limits do), or, after N
 * responses in full, one fault: part of the next response then FIN, part of it then RST (SO_LINGER 0; over TLS
 * without {@code close_notify}), FIN or RST before reading the next request, part of a response then a stall
 * (the client has short read timeouts in such seeds), or bytes that violate the grammar. The server reads a
 * request only when it is about to act on it, so the requests it read are exactly those it processed. Every
 * response echoes its request ({@code X-Echo} and the body).
 *
 * <p>Rules checked for every call (README's failure table, SPEC §1 "Retry", RFC 9112 §9.3):
 * <ol>
 * <li>its future completes (bounded wait: a hang fails);</li>
 * <li>a failure is a documented type: {@link RetryException}, {@link PossiblyProcessedException},
 *     {@link MalformedResponseException}, or a plain {@link PipelaneException} saying "cut short";</li>
 * <li>a non-idempotent request is received by the server at most once;</li>
 * <li>a {@link RetryException} that says the server certainly did not process the request (REFUSED, NOT_SENT,
 *     SENT_AFTER_CLOSE) is about a request the server never read (through the cache: for a non-idempotent
 *     request, which is never retried unless it was certainly not processed), and SENT_AFTER_CLOSE only where
 *     the server announced {@code Connection: close};</li>
 * <li>a {@link MalformedResponseException} only for the request the server answered with garbage (a cut-short
 *     response is incomplete, not malformed);</li>
 * <li>a response belongs to its request (its echo), and the server read that request;</li>
 * <li>through the cache, an idempotent request completes when at most {@code retry} connections fail (each
 *     request then sees at most {@code retry} failed attempts), unless it was the one answered with garbage;</li>
 * <li>a response the server sent in full is delivered, whatever happens to the connection afterwards (issue 17:
 *     a write that fails after it, a reset behind it);</li>
 * <li>no leak: every connection's {@code closed()} completes with {@code length()} 0, and the factory's threads
 *     end once it is closed.</li>
 * </ol>
 *
 * <p>Seeded: every broken rule is reported with its seed; {@code -Dpipelane.seed=N} replays one seed (the plan and
 * calls are the same; thread timing varies), {@code -Dpipelane.faults.seconds=S} runs seeds for S seconds (default
 * 5).
 */
class FaultInjectionTest {
    private static final long WAIT_S = 30;
    private static final String[] METHODS = {"GET", "HEAD", "PUT", "DELETE", "POST", "PATCH"};

    @TempDir
    static Path keys;
    static TestCerts localhost;

    @BeforeAll
    static void certificates() throws Exception {
        localhost = TestCerts.generate(keys, "localhost", "dns:localhost,ip:127.0.0.1");
    }

    @Test
    void seededFaultsOverRealSockets() {
        Long only = Long.getLong("pipelane.seed");
        long seconds = Long.getLong("pipelane.faults.seconds", 5);
        long first = only != null ? only : System.nanoTime() & 0xffff_ffffL;
        List<String> broken = new ArrayList<>();
        Map<String, Integer> outcomes = new java.util.TreeMap<>();
        int[] seeds = {0};
        int[] calls = {0};
        assertTimeoutPreemptively(Duration.ofSeconds(seconds + 180), () -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            for (long seed = first; ; seed++) {
                Scenario s = new Scenario(seed);
                calls[0] += s.run();
                seeds[0]++;
                s.outcomes().forEach(o -> outcomes.merge(o, 1, Integer::sum));
                if (!s.broken.isEmpty()) {
                    broken.addAll(s.broken);
                    System.out.println("fault injection, seed " + seed + " broke a rule: " + s.describe());
                    s.broken.forEach(b -> System.out.println("  " + b));
                }
                if (only != null || System.nanoTime() > deadline) break;
            }
        }, () -> "a seed did not end within the time bound (a hang?) after " + seeds[0] + " seeds from " + first);
        System.out.println("fault injection: " + seeds[0] + " seeds (" + first + " to " + (first + seeds[0] - 1)
                + "), " + calls[0] + " calls, " + broken.size() + " broken rules; outcomes " + outcomes);
        assertTrue(broken.isEmpty(), () -> broken.size() + " broken rules, first: " + broken.get(0));
    }

    /**
     * Found by the seeded run (seed 3890393471 over plain TCP, where it is a race: the server's reset arrived
     * before the client's connect completed): a connection the server accepted and then ended before it could be
     * used (a reset or a FIN during the TLS handshake here, which makes it deterministic) failed the cache's
     * requests at once as never sent, although {@code retry} allowed sending them again and the next connection
     * answers. A connection that answered nothing counts against {@code retry}; only a server that is not there
     * (refused, unknown, timed out) fails at once.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aConnectionEndedDuringItsTlsHandshakeIsRetriedWithinRetry(boolean reset) throws Exception {
        javax.net.ssl.SSLContext serverTls = localhost.serverContext();
        AtomicInteger connections = new AtomicInteger();
        List<String> served = new CopyOnWriteArrayList<>();
        try (LoopbackAcceptor server = new LoopbackAcceptor("handshake-ended", 50, s -> {
            try (s) {
                if (connections.getAndIncrement() == 0) {
                    if (reset) s.setSoLinger(true, 0);
                    return;
                }
                javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) serverTls.getSocketFactory()
                        .createSocket(s, null, s.getPort(), true);
                tls.setUseClientMode(false);
                var in = new java.io.BufferedReader(new java.io.InputStreamReader(tls.getInputStream(),
                        StandardCharsets.ISO_8859_1));
                String line = in.readLine();
                served.add(line);
                while (!in.readLine().isEmpty()) {
                    // the header fields
                }
                tls.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        .getBytes(StandardCharsets.ISO_8859_1));
                tls.getOutputStream().flush();
                in.readLine(); // until the client ends
            } catch (IOException e) {
                // the client ended
            }
        }); ConnectionFactory factory = ConnectionFactory.builder().build()) {
            ConnectionCache cache = factory.cache(CacheOptions.builder().retry(1).connectionOptions(
                    ConnectionOptions.builder().tls(TlsOptions.builder().sslContext(localhost.clientContext())
                            .build()).build()).build());
            Response<String> r = cache.call(Endpoint.https("localhost", server.port()), Request.get("/again"),
                    BodyHandlers.ofString()).get(WAIT_S, TimeUnit.SECONDS);
            org.junit.jupiter.api.Assertions.assertEquals("ok", r.body());
            org.junit.jupiter.api.Assertions.assertEquals(List.of("GET /again HTTP/1.1"), served);
            org.junit.jupiter.api.Assertions.assertEquals(2, connections.get());
            cache.close();
        }
    }

    /** What the server does on one connection. */
    enum Fault {
        /** Answers every request in full (healthy). */
        NONE,
        /** After {@code after} responses, part of the next one, then FIN. */
        PART_THEN_FIN,
        /** After {@code after} responses, part of the next one, then RST. */
        PART_THEN_RST,
        /** After {@code after} responses, FIN without reading the next request. */
        FIN,
        /** After {@code after} responses, RST without reading the next request. */
        RST,
        /** After {@code after} responses, part of the next one, then silence until the client ends. */
        STALL,
        /** After {@code after} responses, a response that violates the grammar. */
        GARBAGE
    }

    /** The plan of one connection: a fault after some responses, or a healthy connection with an optional limit. */
    record Plan(Fault fault, int after, int limit, int cutPermille, int variant) {
        boolean healthy() {
            return fault == Fault.NONE;
        }

        @Override
        public String toString() {
            return healthy() ? (limit > 0 ? "Connection: close after " + limit : "healthy")
                    : fault + " after " + after;
        }
    }

    private static final String[] GARBAGE = {
            "HTTP/1.1 2O0 OK\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nBad Name : x\r\nContent-Length: 0\r\n\r\n",
            "\u0000\u0001\u0002 not HTTP\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-Nul: a\u0000b\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n",
    };

    /** One seed: a server with its plans, one factory, and a connection or a cache making the calls. */
    private static final class Scenario {
        final long seed;
        final Random random;
        final boolean tls;
        final boolean viaCache;
        final boolean pipelined;
        final Persistence persistence;
        final boolean afterNonIdempotent;
        final int retry;
        final List<Plan> plans = new ArrayList<>();
        final Plan healthy;
        final boolean stalls;
        final List<Call> calls = new ArrayList<>();
        final List<String> broken = new CopyOnWriteArrayList<>();
        /** Per target: the accept index of each connection on which the server read it. */
        final Map<String, List<Integer>> received = new ConcurrentHashMap<>();
        /** Targets the server answered with garbage, or stalled on. */
        final Set<String> garbage = ConcurrentHashMap.newKeySet();
        final Set<String> stalled = ConcurrentHashMap.newKeySet();
        /** Targets whose whole response the server sent (before any fault on that connection). */
        final Set<String> answered = ConcurrentHashMap.newKeySet();
        /** Responses with {@code Connection: close} the server sent. */
        final AtomicInteger closesAnnounced = new AtomicInteger();
        final AtomicInteger accepted = new AtomicInteger();
        /** Connections on which the server committed a fault (the plan's fault, reached). */
        final AtomicInteger faulted = new AtomicInteger();

        Scenario(long seed) {
            this.seed = seed;
            this.random = new Random(seed);
            tls = random.nextInt(5) == 0;
            viaCache = random.nextBoolean();
            pipelined = random.nextBoolean();
            Persistence[] ps = Persistence.values();
            persistence = ps[random.nextInt(ps.length)];
            afterNonIdempotent = random.nextInt(4) == 0;
            retry = 1 + random.nextInt(3);
            int faulty = viaCache ? random.nextInt(retry + 1) : random.nextInt(4) == 0 ? 0 : 1;
            boolean stall = false;
            for (int i = 0; i < faulty; i++) {
                Fault f = Fault.values()[1 + random.nextInt(Fault.values().length - 1)];
                stall |= f == Fault.STALL;
                plans.add(new Plan(f, random.nextInt(4), 0, random.nextInt(1000), random.nextInt(GARBAGE.length)));
            }
            healthy = new Plan(Fault.NONE, 0, random.nextBoolean() ? 0 : 1 + random.nextInt(5), 0, 0);
            stalls = stall;
            int n = 1 + random.nextInt(12);
            for (int i = 0; i < n; i++) {
                // Some uploads are large enough that a reset meets them while they are being written.
                calls.add(new Call(i, METHODS[random.nextInt(METHODS.length)],
                        random.nextInt(4) == 0 ? 65_536 + random.nextInt(256 * 1024) : 0));
            }
        }

        /** Each call's outcome and each connection's fault, for the run's summary. */
        List<String> outcomes() {
            List<String> list = new ArrayList<>();
            for (Call c : calls) {
                Throwable f = c.failure;
                list.add(f == null ? "completed" : f instanceof RetryException r ? "Retry " + r.reason()
                        : f.getClass().getSimpleName());
            }
            for (int i = 0; i < Math.min(plans.size(), accepted.get()); i++) list.add("server " + plans.get(i).fault());
            if (tls) list.add("seeds over TLS");
            list.add(viaCache ? "seeds via cache" : "seeds via connection " + persistence);
            return list;
        }

        String describe() {
            return (tls ? "https" : "http") + ", " + (viaCache ? "cache retry " + retry : "connection")
                    + ", " + persistence + (afterNonIdempotent ? " pipelineAfterNonIdempotent" : "")
                    + ", " + (pipelined ? "pipelined" : "sequential") + ", server " + plans + " then " + healthy
                    + ", calls " + calls;
        }

        private void broke(String rule) {
            broken.add("seed " + seed + " (" + describe() + "): " + rule);
        }

        private Plan planOf(int connection) {
            return connection < plans.size() ? plans.get(connection) : healthy;
        }

        int run() throws Exception {
            String prefix = "faults-" + seed;
            ConnectionOptions.Builder options = ConnectionOptions.builder().persistence(persistence)
                    .pipelineAfterNonIdempotent(afterNonIdempotent);
            if (stalls) {
                Duration t = Duration.ofMillis(1500);
                options.responseTimeout(t).idleReadTimeout(t).responseHeadTimeout(t);
            }
            if (tls) options.tls(TlsOptions.builder().sslContext(localhost.clientContext()).build());
            ConnectionFactory factory = ConnectionFactory.builder().threadNamePrefix(prefix)
                    .defaultOptions(options.build()).build();
            ScriptedServer server = new ScriptedServer(this::serve, tls ? localhost.serverContext() : null, 50);
            List<Connection> connections = new ArrayList<>();
            try {
                Endpoint endpoint = tls ? Endpoint.https("localhost", server.port())
                        : Endpoint.http(server.host(), server.port());
                ConnectionCache cache = null;
                Connection connection = null;
                if (viaCache) {
                    cache = factory.cache(CacheOptions.builder().retry(retry)
                            .connectionOptions(options.build()).build());
                } else {
                    connection = factory.create(endpoint, options.build());
                    connections.add(connection);
                }
                for (Call call : calls) {
                    call.future = viaCache ? cache.call(endpoint, call.request(), BodyHandlers.ofString())
                            : connection.call(call.request(), BodyHandlers.ofString());
                    if (!pipelined) outcome(call);
                }
                for (Call call : calls) outcome(call);
                if (viaCache) {
                    cache.connections().values().forEach(connections::addAll);
                    cache.close();
                } else {
                    connection.close();
                }
                for (Connection c : connections) {
                    try {
                        c.closed().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
                        if (c.length() != 0) broke("rule 9, leak: length() is " + c.length() + " after closed()");
                    } catch (TimeoutException e) {
                        broke("rule 9, leak: a connection did not close within " + WAIT_S + " s: state " + c.state()
                                + ", length " + c.length());
                    }
                }
                check();
            } finally {
                factory.close();
                server.close();
            }
            awaitThreadsEnd(prefix);
            return calls.size();
        }

        /** Waits (bounded) for the call's outcome; a call still pending breaks rule 1. */
        private void outcome(Call call) throws InterruptedException {
            if (call.done) return;
            try {
                call.response = call.future.get(WAIT_S, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                call.failure = e.getCause();
            } catch (TimeoutException e) {
                broke("rule 1, hang: " + call + " did not complete within " + WAIT_S + " s");
                call.future.cancel(true);
                call.failure = e;
            }
            call.done = true;
        }

        private void awaitThreadsEnd(String prefix) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
            List<String> left;
            do {
                left = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.isAlive() && t.getName().startsWith(prefix + "-")).map(Thread::getName)
                        .toList();
                if (left.isEmpty()) return;
                Thread.sleep(20);
            } while (System.nanoTime() < deadline);
            broke("rule 9, leak: threads still alive " + WAIT_S + " s after the factory was closed: " + left);
        }

        // ---------------------------------------------------------------------------------------- the server

        private void serve(ScriptedServer.Peer peer) throws IOException, InterruptedException {
            int index = accepted.getAndIncrement();
            Plan plan = planOf(index);
            // Each response leaves at once (no Nagle delay), so a reset after it cannot discard it unsent: what
            // the server sent in full reached the client.
            peer.socket().setTcpNoDelay(true);
            try {
                for (int k = 0; ; k++) {
                    boolean faultNow = !plan.healthy() && k == plan.after();
                    if (faultNow && (plan.fault() == Fault.FIN || plan.fault() == Fault.RST)) {
                        faulted.incrementAndGet();
                        if (plan.fault() == Fault.RST) {
                            peer.reset();
                        } else {
                            peer.halfClose();
                            peer.awaitClientEof(Duration.ofSeconds(WAIT_S));
                            peer.close();
                        }
                        return;
                    }
                    ScriptedServer.RecordedRequest r = peer.readRequest();
                    if (r == null) {
                        peer.close();
                        return;
                    }
                    received.computeIfAbsent(r.target, t -> new CopyOnWriteArrayList<>()).add(index);
                    Call call = callOf(r.target);
                    if (call == null || !call.method.equals(r.method)) {
                        broke("the server read " + r + ": not a call's");
                    } else if (!java.util.Arrays.equals(call.body(), r.body)) {
                        broke("the server read " + r + " with a body of " + r.body.length + " bytes that is not the"
                                + " call's (" + (call.body() == null ? 0 : call.body().length) + " bytes)");
                    }
                    byte[] response = response(r, plan.healthy() && plan.limit() == k + 1);
                    if (!faultNow) {
                        boolean last = plan.healthy() && plan.limit() == k + 1;
                        if (last) closesAnnounced.incrementAndGet(); // before the client can see it
                        peer.send(response);
                        answered.add(r.target);
                        if (last) {
                            // Like nginx's lingering close: FIN, then read what is in flight until the client ends.
                            peer.halfClose();
                            peer.awaitClientEof(Duration.ofSeconds(WAIT_S));
                            peer.close();
                            return;
                        }
                        continue;
                    }
                    faulted.incrementAndGet();
                    int cut = (int) ((long) response.length * plan.cutPermille() / 1000);
                    switch (plan.fault()) {
                        case PART_THEN_FIN -> {
                            peer.send(java.util.Arrays.copyOf(response, cut));
                            peer.halfClose();
                            peer.awaitClientEof(Duration.ofSeconds(WAIT_S));
                            peer.close();
                        }
                        case PART_THEN_RST -> {
                            peer.send(java.util.Arrays.copyOf(response, cut));
                            peer.reset();
                        }
                        case STALL -> {
                            stalled.add(r.target);
                            peer.send(java.util.Arrays.copyOf(response, cut));
                            peer.awaitClientEof(Duration.ofSeconds(WAIT_S));
                            peer.close();
                        }
                        case GARBAGE -> {
                            garbage.add(r.target);
                            peer.send(GARBAGE[plan.variant()]);
                            peer.awaitClientEof(Duration.ofSeconds(WAIT_S));
                            peer.close();
                        }
                        default -> throw new AssertionError(plan);
                    }
                    return;
                }
            } catch (IOException e) {
                // The client may end the connection at any point (after a malformed response, at close()); only
                // a request that breaks the request grammar is its fault.
                String m = String.valueOf(e.getMessage());
                if (m.startsWith("bad ") || m.contains("not ended by CRLF") || m.contains("not followed by CRLF")) {
                    broke("the client sent a malformed request: " + e);
                }
                peer.close();
            }
        }

        private Call callOf(String target) {
            String[] parts = target.split("/");
            try {
                int i = Integer.parseInt(parts[1].substring(1));
                return i < calls.size() && calls.get(i).target.equals(target) ? calls.get(i) : null;
            } catch (RuntimeException e) {
                return null;
            }
        }

        /** A response that echoes its request, framed with Content-Length or chunked. */
        private byte[] response(ScriptedServer.RecordedRequest r, boolean close) {
            String echo = r.method + " " + r.target;
            StringBuilder b = new StringBuilder("HTTP/1.1 200 OK\r\nX-Echo: ").append(echo).append("\r\n");
            if (close) b.append("Connection: close\r\n");
            boolean head = r.method.equals("HEAD");
            if (r.target.hashCode() % 2 == 0) {
                b.append("Content-Length: ").append(echo.length()).append("\r\n\r\n");
                if (!head) b.append(echo);
            } else {
                b.append("Transfer-Encoding: chunked\r\n\r\n");
                if (!head) {
                    int split = echo.length() / 2;
                    b.append(Integer.toHexString(split)).append("\r\n").append(echo, 0, split).append("\r\n")
                            .append(Integer.toHexString(echo.length() - split)).append("\r\n")
                            .append(echo.substring(split)).append("\r\n0\r\n\r\n");
                }
            }
            return b.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        // ---------------------------------------------------------------------------------------- the rules

        private void check() {
            for (Call call : calls) {
                List<Integer> on = received.getOrDefault(call.target, List.of());
                String at = call + " (read by the server on connections " + on + ")";
                boolean idempotent = Request.isIdempotentMethod(call.method);
                if (!idempotent && on.size() > 1) broke("rule 3: " + at + " was received " + on.size() + " times");
                Throwable f = call.failure;
                if (f instanceof TimeoutException) continue; // reported as a hang
                if (f == null) {
                    Response<String> r = call.response;
                    String echo = call.method + " " + call.target;
                    String body = call.method.equals("HEAD") ? "" : echo;
                    if (!echo.equals(r.headers().first("X-Echo")) || !body.equals(r.body())) {
                        broke("rule 6: " + at + " got the response to " + r.headers().first("X-Echo") + ", body '"
                                + r.body() + "'");
                    }
                    if (on.isEmpty()) broke("rule 6: " + at + " got a response although the server never read it");
                    continue;
                }
                String timedOut = timedOutOn(f);
                boolean spuriousTimeout = timedOut != null && stalled.stream().noneMatch(timedOut::contains);
                if (answered.contains(call.target) && !spuriousTimeout) {
                    broke("rule 8: " + at + " was answered in full by the server, yet failed: " + chain(f));
                }
                if (f instanceof RetryException r && r.reason() == RetryException.Reason.SENT_AFTER_CLOSE
                        && closesAnnounced.get() == 0) {
                    broke("rule 4: " + at + " failed as sent after a Connection: close, but the server sent"
                            + " none: " + chain(f));
                }
                if (f instanceof RetryException r && r.reason() == RetryException.Reason.IDEMPOTENT_UNANSWERED
                        && !idempotent) {
                    broke("rule 4: " + at + " is not idempotent, yet failed as IDEMPOTENT_UNANSWERED: " + chain(f));
                }
                boolean plainCutShort = f.getClass() == PipelaneException.class
                        && String.valueOf(f.getMessage()).contains("cut short");
                if (!(f instanceof RetryException || f instanceof PossiblyProcessedException
                        || f instanceof MalformedResponseException || plainCutShort)) {
                    broke("rule 2: " + at + " failed with an undocumented " + chain(f));
                }
                if (f instanceof RetryException retryable && retryable.certainlyNotProcessed() && !on.isEmpty()
                        && (!viaCache || !idempotent)) {
                    broke("rule 4: " + at + " failed as certainly not processed (" + retryable.reason()
                            + ") although the server read it: " + chain(f));
                }
                if (f instanceof MalformedResponseException && !garbage.contains(call.target)) {
                    broke("rule 5: " + at + " failed as malformed, but the server sent no garbage for it: "
                            + chain(f));
                }
                if (viaCache && idempotent && !garbage.contains(call.target) && plans.size() <= retry) {
                    if (spuriousTimeout) {
                        // A read timeout on a healthy connection: the machine was too slow for this seed's short
                        // timeouts, not a broken rule; the retries it used up were spent on it.
                        System.out.println("seed " + seed + ": " + call + " timed out on a healthy connection"
                                + " under load (" + timedOut + "); rule 7 not judged");
                        continue;
                    }
                    broke("rule 7: " + at + " failed through the cache although at most " + plans.size()
                            + " connection(s) failed (retry " + retry + "): " + chain(f));
                }
            }
        }

        /** The message of a read timeout in the failure's causes, or null. */
        private static String timedOutOn(Throwable f) {
            for (Throwable t = f; t != null; t = t.getCause()) {
                if (t instanceof PipelaneTimeoutException) return t.getMessage();
            }
            return null;
        }

        private static String chain(Throwable f) {
            StringBuilder b = new StringBuilder();
            for (Throwable t = f; t != null; t = t.getCause()) {
                if (b.length() > 0) b.append(" <- ");
                b.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
                if (t instanceof RetryException r) b.append(" [").append(r.reason()).append(']');
            }
            return b.toString();
        }
    }

    /** One call: its method, a target unique in its seed ending in its method, and its outcome. */
    private static final class Call {
        final int index;
        final String method;
        final String target;
        CompletableFuture<Response<String>> future;
        volatile boolean done;
        Response<String> response;
        Throwable failure;

        final byte[] body;

        Call(int index, String method, int padding) {
            this.index = index;
            this.method = method;
            this.target = "/r" + index + "/" + method;
            if (method.equals("PUT") || method.equals("POST") || method.equals("PATCH")) {
                byte[] b = ("body of " + target + " ").getBytes(StandardCharsets.ISO_8859_1);
                body = java.util.Arrays.copyOf(b, b.length + padding);
                for (int i = b.length; i < body.length; i++) body[i] = (byte) ('a' + i % 26);
            } else {
                body = new byte[0];
            }
        }

        byte[] body() {
            return body;
        }

        Request request() {
            Request.Builder b = Request.builder(method, target);
            if (body.length > 0) b.body(RequestBody.of(body));
            return b.build();
        }

        @Override
        public String toString() {
            return method + " " + target + (body.length > 1000 ? " (" + body.length + " bytes)" : "");
        }
    }
}
