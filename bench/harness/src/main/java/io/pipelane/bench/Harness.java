package io.pipelane.bench;

import io.pipelane.Persistence;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Runs every client side by side against the same servers, in one JVM, and writes the table, a CSV and the chart.
 *
 * <p>For each group (server, file, depth, pattern) every client opens its one connection and warms up; then, for
 * each of the rounds, the raw limit runs first and every client after it (in an order that rotates from round to
 * round), N requests each (N / depth batches, or one sliding window of N requests); the raw limit runs once more
 * at the end, for the drift. Medians over the rounds; noise as min–max; ratios are the median over the rounds of
 * the client's rate over the raw limit's (and Netty's) in the same round, which the machine's drift affects
 * least. Before and after each client's runs the server's accepted-connection count is read (nginx
 * stub_status, the NIO server's counter) to show each client used one connection; the NIO server also counts
 * requests decoded per socket read, which proves write-ahead.
 *
 * <p>Arguments: {@code --out DIR} (default {@code bench/results}), {@code --rounds R} (default 5),
 * {@code --quick} (2 rounds, smaller N), {@code --nginx PATH}, {@code --scale-java PATH} (a JDK home for a scale
 * run; repeatable; default: this JVM), {@code --only TEXT} (only the groups whose "server path depth pattern;" contains
 * it, e.g. {@code "nginx /13b 16 batch;"}; several separated by {@code |}; then no scale run unless
 * {@code --scale-java} is given),
 * {@code --scale-connections K} (default: 10,000 on Java 21+, 1,000 before), {@code --clients A,B} (only these clients, besides the raw limit), {@code --idle K} (the idle-connection run
 * with K connections per client, on nginx; default 1,000, and only without {@code --only} unless given),
 * {@code --idle-java PATH} (a JDK home for the idle run; repeatable; default: this JVM).
 */
public final class Harness {

    /** How a client is driven: see {@link BenchClient#batch} and {@link BenchClient#window}. */
    enum Pattern {
        BATCH, WINDOW;

        String label() {
            return this == BATCH ? "batch" : "window";
        }
    }

    record Group(String server, String path, int bodyBytes, int depth, int n, Pattern pattern) {
        String file() {
            return bodyBytes == 13 ? "13 B" : (bodyBytes / 1024) + " KiB";
        }

        /** What {@code --only} matches, e.g. {@code "NIO server /13b 16 window;"}. */
        String key() {
            return server + " " + path + " " + depth + " " + pattern.label() + ";";
        }
    }

    /** One client's results in a group. */
    static final class Row {
        final Group group;
        final String client;
        final List<Double> rps = new ArrayList<>();
        final List<Double> cpuMicrosPerReq = new ArrayList<>();
        final List<Double> allocPerReq = new ArrayList<>();
        /** Voluntary context switches of the client JVM per request (thread wake-ups). */
        final List<Double> switchesPerReq = new ArrayList<>();
        /** This client's rate over the raw limit's, and over Netty's, in the same round. */
        final List<Double> roundRatios = new ArrayList<>();
        final List<Double> roundRatiosToNetty = new ArrayList<>();
        long connectionsAtStart;
        long connectionsDuringRuns;
        double requestsPerRead = Double.NaN;
        long maxRequestsPerRead = -1;
        /** The median of {@link #roundRatios}. */
        double ratio = Double.NaN;
        /** The median of {@link #roundRatiosToNetty}. */
        double ratioToNetty = Double.NaN;
        double rawFirst = Double.NaN;
        double rawLast = Double.NaN;
        /** The rate of this client's latest run. */
        double latestRps = Double.NaN;

        Row(Group group, String client) {
            this.group = group;
            this.client = client;
        }

        double median() {
            return median(rps);
        }

        static double median(List<Double> xs) {
            double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            if (a.length == 0) return Double.NaN;
            return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
        }

        double min() {
            return rps.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

        double max() {
            return rps.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }
    }

    interface ClientFactory {
        BenchClient open(BenchClient.Target target) throws Exception;
    }

    /** A client: whether it pipelines (else it runs at depth 1 only) and has a sliding-window driver. */
    record Spec(String name, ClientFactory factory, boolean pipelines, boolean windows) {
    }

    static final String RAW = "raw socket";
    static final String NETTY = "Netty 4.2";

    static final List<Spec> SPECS = List.of(
            new Spec(RAW, RawClient::new, true, true),
            new Spec(NETTY, NettyClient::new, true, true),
            new Spec("Pipelane TRUE", t -> new PipelaneClient(t, Persistence.TRUE), true, true),
            new Spec("Pipelane AUTO", t -> new PipelaneClient(t, Persistence.AUTO), true, true),
            new Spec("Pipelane TRUE callAll", t -> new PipelaneClient(t, Persistence.TRUE, true), true, false),
            new Spec("Vert.x 5", VertxClient::new, true, true),
            new Spec("HttpCore 5", HttpCoreClient::new, true, false),
            new Spec("JDK HttpClient", JdkClient::new, false, false),
            new Spec("OkHttp 5", OkHttpBenchClient::new, false, false));

    /** Names of the clients to run ({@code --clients a,b}); the raw limit always runs. Null: all. */
    static List<String> clientFilter;

    private Harness() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of("bench/results");
        int rounds = 5;
        boolean quick = false;
        String nginxBinary = Servers.nginxBinary();
        List<String> scaleJava = new ArrayList<>();
        String only = null;
        int scaleConnections = 0;
        int idleConnections = -1;
        List<String> idleJava = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out": out = Path.of(args[++i]); break;
                case "--rounds": rounds = Integer.parseInt(args[++i]); break;
                case "--quick": quick = true; rounds = 2; break;
                case "--nginx": nginxBinary = args[++i]; break;
                case "--scale-java": scaleJava.add(args[++i]); break;
                case "--only": only = args[++i]; break;
                case "--clients": clientFilter = List.of(args[++i].split(",")); break;
                case "--scale-connections": scaleConnections = Integer.parseInt(args[++i]); break;
                case "--idle": idleConnections = Integer.parseInt(args[++i]); break;
                case "--idle-java": idleJava.add(args[++i]); break;
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Files.createDirectories(out);
        Locale.setDefault(Locale.ROOT);
        String machine = Report.machine();
        System.out.println(machine);

        int scale = quick ? 4 : 1;
        List<Group> groups = new ArrayList<>();
        // nginx: one worker is the limit past depth 16 (see the README); the batch pattern only
        groups.add(new Group("nginx", "/13b", 13, 1, 20_000 / scale, Pattern.BATCH));
        groups.add(new Group("nginx", "/13b", 13, 16, 96_000 / scale, Pattern.BATCH));
        groups.add(new Group("nginx", "/13b", 13, 128, 192_000 / scale, Pattern.BATCH));
        groups.add(new Group("nginx", "/64k", 65536, 1, 10_000 / scale, Pattern.BATCH));
        groups.add(new Group("nginx", "/64k", 65536, 16, 24_000 / scale, Pattern.BATCH));
        // the in-memory server, where the client is the limit: both patterns
        for (Pattern p : Pattern.values()) {
            groups.add(new Group("NIO server", "/13b", 13, 1, 20_000 / scale, p));
            groups.add(new Group("NIO server", "/13b", 13, 16, 96_000 / scale, p));
            groups.add(new Group("NIO server", "/13b", 13, 128, 192_000 / scale, p));
            groups.add(new Group("NIO server", "/64k", 65536, 16, 24_000 / scale, p));
        }
        if (only != null) {
            List<String> wanted = List.of(only.split("\\|"));
            groups.removeIf(g -> wanted.stream().noneMatch(w -> g.key().contains(w)));
        }

        List<Row> rows = new ArrayList<>();
        Servers.Nginx nginx = null;
        Servers.Nio nio = null;
        try {
            nginx = Servers.Nginx.start(nginxBinary);
            nio = Servers.Nio.start(List.of("-Xms256m", "-Xmx256m", "-XX:+UseParallelGC"));
            // stop them also when the harness is interrupted (Ctrl-C, SIGTERM): only these two processes
            Process nginxProcess = nginx.process;
            Process nioProcess = nio.process;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                nginxProcess.destroy();
                nioProcess.destroy();
            }, "stop-servers"));
            System.out.println("nginx on 127.0.0.1:" + nginx.port + " (" + nginxBinary + "), NIO server on 127.0.0.1:" + nio.port);
            for (Group g : groups) {
                Servers.Server server = g.server().equals("nginx") ? nginx : nio;
                rows.addAll(runGroup(g, server, rounds));
                Report.write(out, machine, rows, List.of(), List.of());
            }
            List<String> idleResults = new ArrayList<>();
            if (only == null || idleConnections > 0) {
                int k = idleConnections > 0 ? idleConnections : 1_000;
                List<String> javas = idleJava.isEmpty() ? List.of(System.getProperty("java.home")) : idleJava;
                for (String javaHome : javas) {
                    for (String client : IdleRun.CLIENTS) {
                        if (clientFilter != null && !client.equals(RAW)
                                && clientFilter.stream().noneMatch(f -> f.startsWith(client))) continue;
                        long a0 = nginx.accepts();
                        String row = IdleRun.launch(javaHome, client, nginx.port, k);
                        idleResults.add(row + String.format(Locale.ROOT, " %,d |", nginx.accepts() - a0 - 1));
                        Report.write(out, machine, rows, List.of(), idleResults);
                    }
                }
            }
            List<String> scaleResults = new ArrayList<>();
            if (only == null || !scaleJava.isEmpty()) {
                List<String> javas = scaleJava.isEmpty() ? List.of(System.getProperty("java.home")) : scaleJava;
                for (String javaHome : javas) {
                    scaleResults.add(ScaleRun.launch(javaHome, nginx.port, scaleConnections));
                }
            }
            Report.write(out, machine, rows, scaleResults, idleResults);
            Chart.write(out.resolve("chart.png"), rows);
            System.out.println("\nwrote " + out.resolve("results.md") + ", results.csv and chart.png");
        } finally {
            if (nio != null) nio.close();
            if (nginx != null) nginx.close();
        }
    }

    static List<Row> runGroup(Group g, Servers.Server server, int rounds) throws Exception {
        BenchClient.Target target = new BenchClient.Target(server.name, "127.0.0.1", server.port, g.path(), g.bodyBytes());
        System.out.printf("%n== %s, %s, depth %d, %s, N = %d per run, %d rounds, load average %.2f%n", g.server(),
                g.file(), g.depth(), g.pattern().label(), g.n(), rounds, loadAverage());
        List<Spec> specs = new ArrayList<>();
        for (Spec s : SPECS) {
            boolean wanted = clientFilter == null || clientFilter.contains(s.name()) || s.name().equals(RAW);
            boolean drivable = g.pattern() == Pattern.WINDOW ? s.windows() : s.pipelines() || g.depth() == 1;
            if (wanted && drivable) specs.add(s);
        }
        List<BenchClient> clients = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        try {
            for (Spec s : specs) {
                long a0 = server.accepts();
                BenchClient c = s.factory().open(target);
                clients.add(c);
                warmUp(c, g);
                long a1 = server.accepts();
                Row r = new Row(g, s.name());
                r.connectionsAtStart = a1 - a0 - 1;
                rows.add(r);
            }
            Row raw = rows.get(0);
            long[] readStats = new long[rows.size() * 2]; // requests, reads per client (NIO server)
            long[] maxPerRead = new long[rows.size()];
            int netty = -1;
            for (int i = 0; i < rows.size(); i++) if (rows.get(i).client.equals(NETTY)) netty = i;
            int others = clients.size() - 1;
            for (int round = 0; round < rounds; round++) {
                // the raw limit first; the others in an order that rotates from round to round
                measure(clients.get(0), raw, g, server, readStats, maxPerRead, 0);
                for (int k = 0; k < others; k++) {
                    int i = 1 + (k + round) % others;
                    measure(clients.get(i), rows.get(i), g, server, readStats, maxPerRead, i);
                }
                for (Row r : rows) {
                    r.roundRatios.add(r.rps.get(round) / raw.rps.get(round));
                    if (netty >= 0) r.roundRatiosToNetty.add(r.rps.get(round) / rows.get(netty).rps.get(round));
                }
            }
            measure(clients.get(0), raw, g, server, readStats, maxPerRead, 0); // the raw limit, last
            raw.rps.remove(raw.rps.size() - 1); // kept for the drift only: the median is over the paired runs
            raw.rawFirst = raw.rps.get(0);
            raw.rawLast = raw.latestRps;
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                r.ratio = Row.median(r.roundRatios);
                r.ratioToNetty = Row.median(r.roundRatiosToNetty);
                if (server instanceof Servers.Nio) {
                    r.requestsPerRead = readStats[2 * i + 1] == 0 ? Double.NaN : (double) readStats[2 * i] / readStats[2 * i + 1];
                    r.maxRequestsPerRead = maxPerRead[i];
                }
                System.out.printf("  %-15s %10.0f req/s (%.0f–%.0f)  %.2f of raw  %.2f of Netty  %6.1f µs CPU/req"
                                + "  %7.0f B/req  %5.2f wake-ups/req  connections %d+%d%s%n",
                        r.client, r.median(), r.min(), r.max(), r.ratio, r.ratioToNetty, Row.median(r.cpuMicrosPerReq),
                        Row.median(r.allocPerReq), Row.median(r.switchesPerReq), r.connectionsAtStart,
                        r.connectionsDuringRuns,
                        Double.isNaN(r.requestsPerRead) ? ""
                                : String.format("  requests/read %.1f (max %d)", r.requestsPerRead, r.maxRequestsPerRead));
            }
            System.out.printf("  raw limit first %.0f, last %.0f req/s (drift %+.0f%%)%n", raw.rawFirst, raw.rawLast,
                    100 * (raw.rawLast / raw.rawFirst - 1));
        } finally {
            for (BenchClient c : clients) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.out.println("  closing " + c.name + ": " + e);
                }
            }
        }
        return rows;
    }

    /** A warm-up ends once the JIT has compiled nothing for this long (or after {@link #WARM_UP_MAX_NANOS}). */
    static final long JIT_QUIET_NANOS = 500_000_000L;
    static final long WARM_UP_MAX_NANOS = 10_000_000_000L;

    /**
     * At least 2 s and 10,000 requests, and then until the JIT has been quiet for {@link #JIT_QUIET_NANOS} (at most
     * {@link #WARM_UP_MAX_NANOS} in all): on a loaded machine the compiler thread competes with the clients, and a
     * client with much code to compile (Netty's pipeline in the batch pattern) was otherwise measured while C2 was
     * still compiling it (up to half of the JVM's CPU time in a profile, its rate varying 15x between rounds).
     */
    private static void warmUp(BenchClient c, Group g) throws Exception {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        boolean jitTimed = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        long until = start + 2_000_000_000L;
        long jitTime = jitTimed ? jit.getTotalCompilationTime() : 0;
        long jitQuietSince = start;
        long done = 0;
        long expected = 0;
        long bytes = 0;
        int windowN = Math.max(g.depth() * 4, 2_000);
        while (true) {
            long now = System.nanoTime();
            if (jitTimed) {
                long t = jit.getTotalCompilationTime();
                if (t != jitTime) {
                    jitTime = t;
                    jitQuietSince = now;
                }
            }
            boolean minimumDone = now >= until && done >= 10_000;
            boolean jitQuiet = !jitTimed || now - jitQuietSince >= JIT_QUIET_NANOS;
            if (minimumDone && (jitQuiet || now - start >= WARM_UP_MAX_NANOS)) {
                System.out.printf("  warm-up %-15s %5.1f s, %,d requests%s%n", c.name, (now - start) / 1e9, done,
                        jitQuiet ? "" : " (the JIT was still compiling)");
                break;
            }
            if (g.pattern() == Pattern.WINDOW) {
                bytes += c.window(g.depth(), windowN);
                done += windowN;
                expected += (long) windowN * g.bodyBytes();
            } else {
                bytes += c.batch(g.depth());
                done += g.depth();
                expected += (long) g.depth() * g.bodyBytes();
            }
        }
        BenchClient.check(bytes == expected, c.name + ": warm-up received " + bytes + " body bytes, expected " + expected);
    }

    private static void measure(BenchClient c, Row r, Group g, Servers.Server server, long[] readStats,
                                long[] maxPerRead, int index) throws Exception {
        int batches = g.n() / g.depth();
        System.gc();
        long a0;
        if (server instanceof Servers.Nio) {
            Servers.Nio nio = (Servers.Nio) server;
            nio.resetStats();
            a0 = nio.accepts();
        } else {
            a0 = server.accepts();
        }
        Meter m = new Meter();
        long bytes = 0;
        long requests = (long) batches * g.depth();
        m.start();
        if (g.pattern() == Pattern.WINDOW) {
            bytes = c.window(g.depth(), (int) requests);
        } else {
            for (int b = 0; b < batches; b++) bytes += c.batch(g.depth());
        }
        m.stop();
        BenchClient.check(bytes == requests * g.bodyBytes(), c.name + ": received " + bytes + " body bytes, expected "
                + requests * g.bodyBytes());
        if (server instanceof Servers.Nio) {
            long[] s = ((Servers.Nio) server).stats();
            // the reset and the first stats request are one request and one read each; subtract them
            readStats[2 * index] += s[1] - 2;
            readStats[2 * index + 1] += s[2] - 2;
            maxPerRead[index] = Math.max(maxPerRead[index], s[3]);
            r.connectionsDuringRuns += s[0] - a0 - 1;
        } else {
            r.connectionsDuringRuns += server.accepts() - a0 - 1;
        }
        r.rps.add(requests * 1e9 / m.wallNanos);
        r.cpuMicrosPerReq.add(m.cpuNanos / 1e3 / requests);
        r.allocPerReq.add((double) m.allocatedBytes / requests);
        r.switchesPerReq.add(m.voluntarySwitches < 0 ? Double.NaN : (double) m.voluntarySwitches / requests);
        r.latestRps = requests * 1e9 / m.wallNanos;
    }

    /** The 1-minute load average of the machine, or NaN. */
    static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    static String jvmArgs() {
        return String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments());
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }

    static String fmtList(double[] v) {
        return Arrays.toString(v);
    }

    static void ensure(boolean ok, String what) throws IOException {
        if (!ok) throw new IOException(what);
    }
}
