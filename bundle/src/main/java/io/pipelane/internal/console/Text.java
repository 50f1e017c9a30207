package io.pipelane.internal.console;

import io.pipelane.Connection;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Text shapes every console command shares: tables, key=value lists, durations, failures. */
final class Text {
    private Text() {
    }

    /** Left-aligned columns two spaces apart; the first row is the header. */
    static void table(StringBuilder out, List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) line.append(" ".repeat(width[i] - r[i].length() + 2));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    /** {@code k1=v1, k2=v2} in the map's order. */
    static String settings(Map<String, String> values) {
        StringBuilder b = new StringBuilder();
        values.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        return b.toString();
    }

    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    /** A failure and its causes: {@code RetryException: ... <- ConnectException: Connection refused}. */
    static String failure(Throwable t) {
        StringBuilder b = new StringBuilder(t.getClass().getSimpleName() + ": " + t.getMessage());
        Throwable c = t.getCause();
        while (c != null && c != t) {
            b.append(" <- ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
            t = c;
            c = c.getCause();
        }
        return b.toString();
    }

    /** A connection's name without its bracketed state, e.g. {@code Connection#3}. */
    static String connectionName(Connection c) {
        String id = c.toString();
        int bracket = id.indexOf('[');
        return bracket > 0 ? id.substring(0, bracket) : id;
    }
}
