package io.pipelane.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a measurement in a JVM of its own, echoes its output, and returns the Markdown table row it prints last. */
final class ChildRun {
    private ChildRun() {
    }

    /** The last line of {@code cmd}'s output that starts with {@code "| "}, or {@code failedRow}. */
    static String tableRow(List<String> cmd, String failedRow) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String row = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                System.out.println("  " + line);
                if (line.startsWith("| ")) row = line;
            }
        }
        if (!p.waitFor(10, TimeUnit.MINUTES)) p.destroyForcibly();
        return row != null ? row : failedRow;
    }
}
