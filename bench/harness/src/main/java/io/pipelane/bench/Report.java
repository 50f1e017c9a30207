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

    static void write(Path dir, String machine, List<Harness.Row> rows, List<String> scale) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("Machine: ").append(machine).append("\n\n");
        md.append("Requests/s: median of the rounds (min–max). Ratio: median over the raw limit's median in the same"
                + " group. CPU: client JVM process CPU per request. Alloc: bytes allocated by the client JVM's threads"
                + " per request. Conn.: connections the server accepted for the client (at start + during the"
                + " measured runs). Req./read: requests the NIO server decoded per socket read, mean (max): above 1"
                + " means requests were written ahead.\n\n");
        md.append("| server | file | depth | client | requests/s (min–max) | ratio to raw | MB/s | CPU µs/req | alloc B/req | conn. | req./read (max) |\n");
        md.append("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        StringBuilder csv = new StringBuilder("server,file,depth,client,rps_median,rps_min,rps_max,ratio,mb_s,cpu_us_per_req,alloc_b_per_req,conn_start,conn_runs,req_per_read,max_req_per_read,runs\n");
        Harness.Group last = null;
        for (Harness.Row r : rows) {
            Harness.Group g = r.group;
            double mbs = r.median() * g.bodyBytes() / 1e6;
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %,.0f (%,.0f–%,.0f) | %.2f | %s | %.1f | %,.0f | %d+%d | %s |\n",
                    g.server(), g.file(), g.depth(), r.client.equals("raw socket") ? "**raw socket**" : r.client,
                    r.median(), r.min(), r.max(), r.ratio, g.bodyBytes() >= 1024 ? String.format(Locale.ROOT, "%,.0f", mbs) : "",
                    Harness.Row.median(r.cpuMicrosPerReq), Harness.Row.median(r.allocPerReq),
                    r.connectionsAtStart, r.connectionsDuringRuns,
                    Double.isNaN(r.requestsPerRead) ? "" : String.format(Locale.ROOT, "%.1f (%d)", r.requestsPerRead, r.maxRequestsPerRead)));
            csv.append(String.format(Locale.ROOT, "%s,%s,%d,%s,%.0f,%.0f,%.0f,%.3f,%.1f,%.2f,%.0f,%d,%d,%.2f,%d,%s\n",
                    g.server(), g.file(), g.depth(), r.client, r.median(), r.min(), r.max(), r.ratio, mbs,
                    Harness.Row.median(r.cpuMicrosPerReq), Harness.Row.median(r.allocPerReq), r.connectionsAtStart,
                    r.connectionsDuringRuns, r.requestsPerRead, r.maxRequestsPerRead,
                    r.rps.stream().map(x -> String.format(Locale.ROOT, "%.0f", x)).reduce((a, b) -> a + " " + b).orElse("")));
            last = g;
        }
        md.append("\nRaw limit drift within each group (first run, last run):\n\n");
        for (Harness.Row r : rows) {
            if (r.client.equals("raw socket")) {
                md.append(String.format(Locale.ROOT, "- %s, %s, depth %d: %,.0f → %,.0f req/s (%+.0f%%)\n",
                        r.group.server(), r.group.file(), r.group.depth(), r.rawFirst, r.rawLast,
                        100 * (r.rawLast / r.rawFirst - 1)));
            }
        }
        if (!scale.isEmpty()) {
            md.append("\nScale (Pipelane, nginx, 13 B, 4 pipelined GETs per connection, -Xmx1g):\n\n");
            md.append("| Java | connections | all responses OK | time | peak heap used (sampled) | heap after GC, all open | per connection | platform threads (peak) | executor |\n");
            md.append("|---|---:|---|---:|---:|---:|---:|---:|---|\n");
            for (String s : scale) md.append(s).append('\n');
        }
        Files.writeString(dir.resolve("results.md"), md.toString());
        Files.writeString(dir.resolve("results.csv"), csv.toString());
    }
}
