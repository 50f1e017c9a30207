package io.pipelane.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The results as Markdown (results.md) and CSV (results.csv). */
final class Report {
    private Report() {
    }

    static String machine() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return String.format(Locale.ROOT, "%d CPUs (%s), %s, Java %s (%s), JVM options: %s",
                Runtime.getRuntime().availableProcessors(), cpu, System.getProperty("os.name") + " "
                        + System.getProperty("os.version"), System.getProperty("java.version"),
                System.getProperty("java.vm.name"), String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
    }

    static void write(Path dir, String machine, List<Harness.Row> rows, List<String> scale, List<String> idle) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("Machine: ").append(machine).append("\n\n");
        md.append("Requests/s: median of the rounds (min–max). Ratios: median over the rounds of the client's"
                + " rate over the raw limit's (Netty's) in the same round; clients run interleaved round by round. CPU: client JVM process CPU per request. Alloc: bytes allocated by the client JVM's threads"
                + " per request. Conn.: connections the server accepted for the client (at start + during the"
                + " measured runs). Req./read: requests the NIO server decoded per socket read, mean (max): above 1"
                + " means requests were written ahead. Wake-ups: voluntary context switches of the client JVM's"
                + " threads per request (a thread that blocked and was woken). Pattern: batch (depth calls, then a"
                + " wait for each) or window (each completion issues the next request).\n\n");
        md.append("| server | file | pattern | depth | client | requests/s (min–max) | vs raw | vs Netty | MB/s | CPU µs/req | alloc B/req | wake-ups/req | conn. | req./read (max) |\n");
        md.append("|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        StringBuilder csv = new StringBuilder("server,file,pattern,depth,client,rps_median,rps_min,rps_max,ratio,ratio_netty,mb_s,cpu_us_per_req,alloc_b_per_req,wakeups_per_req,conn_start,conn_runs,req_per_read,max_req_per_read,runs\n");
        Harness.Group last = null;
        for (Harness.Row r : rows) {
            Harness.Group g = r.group;
            double mbs = r.median() * g.bodyBytes() / 1e6;
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %s | %,.0f (%,.0f–%,.0f) | %.2f | %s | %s | %.1f | %,.0f | %.2f | %d+%d | %s |\n",
                    g.server(), g.file(), g.pattern().label(), g.depth(), r.client.equals(Harness.RAW) ? "**raw socket**" : r.client,
                    r.median(), r.min(), r.max(), r.ratio,
                    Double.isNaN(r.ratioToNetty) ? "" : String.format(Locale.ROOT, "%.2f", r.ratioToNetty),
                    g.bodyBytes() >= 1024 ? String.format(Locale.ROOT, "%,.0f", mbs) : "",
                    Harness.Row.median(r.cpuMicrosPerReq), Harness.Row.median(r.allocPerReq),
                    Harness.Row.median(r.switchesPerReq), r.connectionsAtStart, r.connectionsDuringRuns,
                    Double.isNaN(r.requestsPerRead) ? "" : String.format(Locale.ROOT, "%.1f (%d)", r.requestsPerRead, r.maxRequestsPerRead)));
            csv.append(String.format(Locale.ROOT, "%s,%s,%s,%d,%s,%.0f,%.0f,%.0f,%.3f,%.3f,%.1f,%.2f,%.0f,%.2f,%d,%d,%.2f,%d,%s\n",
                    g.server(), g.file(), g.pattern().label(), g.depth(), r.client, r.median(), r.min(), r.max(), r.ratio,
                    r.ratioToNetty, mbs, Harness.Row.median(r.cpuMicrosPerReq), Harness.Row.median(r.allocPerReq),
                    Harness.Row.median(r.switchesPerReq), r.connectionsAtStart,
                    r.connectionsDuringRuns, r.requestsPerRead, r.maxRequestsPerRead,
                    r.rps.stream().map(x -> String.format(Locale.ROOT, "%.0f", x)).reduce((a, b) -> a + " " + b).orElse("")));
            last = g;
        }
        md.append("\nRaw limit drift within each group (first run, last run):\n\n");
        for (Harness.Row r : rows) {
            if (r.client.equals("raw socket")) {
                md.append(String.format(Locale.ROOT, "- %s, %s, %s, depth %d: %,.0f → %,.0f req/s (%+.0f%%)\n",
                        r.group.server(), r.group.file(), r.group.pattern().label(), r.group.depth(), r.rawFirst, r.rawLast,
                        100 * (r.rawLast / r.rawFirst - 1)));
            }
        }
        if (!scale.isEmpty()) {
            md.append("\nScale (Pipelane, nginx, 13 B, 4 pipelined GETs per connection, -Xmx1g):\n\n");
            md.append("| Java | connections | all responses OK | time | peak heap used (sampled) | heap after GC, all open | per connection | platform threads (peak) | executor |\n");
            md.append("|---|---:|---|---:|---:|---:|---:|---:|---|\n");
            for (String s : scale) md.append(s).append('\n');
        }
        if (!idle.isEmpty()) {
            md.append("\nIdle connections (nginx, one GET on each, then idle; each client in its own JVM, -Xmx1g): heap"
                    + " after GC per connection = (heap with K+1 open − heap with one open) / K; threads: the JVM's live"
                    + " threads with all open (its own included), and how many more than with one connection:\n\n");
            md.append("| client | Java | connections | heap per idle connection | threads, all open | threads added | connections nginx accepted |\n");
            md.append("|---|---|---:|---:|---:|---:|---:|\n");
            for (String s : idle) md.append(s).append('\n');
        }
        Files.writeString(dir.resolve("results.md"), md.toString());
        Files.writeString(dir.resolve("results.csv"), csv.toString());
    }
}
