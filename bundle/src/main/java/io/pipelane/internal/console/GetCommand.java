package io.pipelane.internal.console;

import io.pipelane.Connection;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.internal.config.Redaction;
import io.pipelane.internal.osgi.PipelaneRuntime;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code pipelane:get <endpoint> <path> [count]}: sends {@code count} GET requests (default 1) on one new
 * connection, pipelined as the connection allows, and prints each status as it arrives, then a summary. Every
 * line is printed on the command's thread, to the session's output.
 */
@Component(service = GetCommand.class, immediate = true, property = {Usage.SCOPE, "osgi.command.function=get"})
public final class GetCommand {
    /** The most requests one {@code get} sends. */
    static final int MAX_COUNT = 10_000;
    static final String DESCRIPTION = "sends GET requests on one new connection to a configured endpoint, "
            + "pipelined as the connection allows; prints each status and its timing, then a summary";
    static final String ENDPOINT = "the name of a configured endpoint (pipelane:endpoints lists them)";
    static final String PATH = "the request target, e.g. / or /items?id=1";
    static final String COUNT = "how many GETs to send, 1 to 10000; default 1";
    static final Usage USAGE = new Usage("get", DESCRIPTION, Usage.Param.required("endpoint", ENDPOINT),
            Usage.Param.required("path", PATH), Usage.Param.optional("count", COUNT));

    private final PipelaneRuntime runtime;

    @Activate
    public GetCommand(@Reference PipelaneRuntime runtime) {
        this.runtime = runtime;
    }

    @Descriptor(DESCRIPTION)
    public void get(@Descriptor(ENDPOINT) String endpoint, @Descriptor(PATH) String path) throws Exception {
        send(endpoint, path, 1, System.out);
    }

    @Descriptor(DESCRIPTION)
    public void get(@Descriptor(ENDPOINT) String endpoint, @Descriptor(PATH) String path,
            @Descriptor(COUNT) int count) throws Exception {
        send(endpoint, path, count, System.out);
    }

    /** Any other arguments: {@code --help} prints the usage; wrong or missing ones the usage and an error. */
    @Descriptor(DESCRIPTION)
    public void get(Object... words) throws Exception {
        List<String> args = USAGE.check(words, System.out);
        if (args == null) return;
        int count = 1;
        if (args.size() == 3) {
            try {
                count = Integer.parseInt(args.get(2));
            } catch (NumberFormatException e) {
                throw USAGE.wrong("<count> must be a number from 1 to " + MAX_COUNT + ", not '" + args.get(2) + "'",
                        System.out);
            }
        }
        send(args.get(0), args.get(1), count, System.out);
    }

    /**
     * Sends the requests and prints to {@code out} (the session's output: Gogo and Karaf give each command thread
     * its session's stream as {@code System.out}).
     *
     * @throws IllegalStateException when a request failed (after printing every outcome), so scripts see it
     */
    void send(String endpoint, String path, int count, PrintStream out) throws Exception {
        if (count < 1 || count > MAX_COUNT) {
            throw USAGE.wrong("<count> must be from 1 to " + MAX_COUNT + ", not " + count, out);
        }
        String target = path.startsWith("/") || path.equals("*") ? path : "/" + path;
        long start = System.nanoTime();
        Connection c = runtime.create(endpoint);
        List<CompletableFuture<Response<byte[]>>> futures = new ArrayList<>(count);
        boolean pipelined = false;
        int failed = 0;
        Map<Integer, Integer> statuses = new TreeMap<>();
        try {
            for (int i = 0; i < count; i++) futures.add(c.call(Request.get(target)));
            c.shutdown(); // the last request carries Connection: close; the connection ends after its response
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            for (int i = 0; i < count; i++) {
                try {
                    long wait = Math.max(1, deadline - System.nanoTime());
                    Response<byte[]> r = futures.get(i).get(wait, TimeUnit.NANOSECONDS);
                    pipelined |= c.isPipelining();
                    statuses.merge(r.status(), 1, Integer::sum);
                    out.printf(Locale.ROOT, "#%d %s %d %s (%d bytes) after %s%n", i + 1, r.version(), r.status(),
                            r.reason(), r.body().length, Text.millis(System.nanoTime() - start));
                } catch (ExecutionException e) {
                    failed++;
                    out.printf(Locale.ROOT, "#%d failed: %s%n", i + 1, Text.failure(e.getCause()));
                } catch (TimeoutException e) {
                    failed++;
                    out.printf(Locale.ROOT, "#%d gave no outcome in 5 minutes%n", i + 1);
                }
            }
        } finally {
            c.close();
        }
        out.printf(Locale.ROOT, "%d request(s) to %s (%s%s) on one connection%s in %s: %s%s%n",
                count, Redaction.uri(endpoint), c.endpoint().toUri(), target, pipelined ? ", pipelined" : ", not pipelined",
                Text.millis(System.nanoTime() - start), statuses.isEmpty() ? "no response" : statusSummary(statuses),
                failed == 0 ? "" : ", " + failed + " failed");
        out.flush();
        if (failed > 0) {
            throw new IllegalStateException(failed + " of " + count + " request(s) to " + Redaction.uri(endpoint) + " failed");
        }
    }

    private static String statusSummary(Map<Integer, Integer> statuses) {
        List<String> parts = new ArrayList<>();
        statuses.forEach((s, n) -> parts.add(n + " x " + s));
        return String.join(", ", parts);
    }
}
