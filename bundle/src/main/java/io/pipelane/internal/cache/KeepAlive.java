package io.pipelane.internal.cache;

import io.pipelane.Headers;

import java.time.Duration;

/**
 * What a response's {@code Keep-Alive} header announces (RFC 2068 §19.7.1.1, still sent by Apache httpd and
 * others): {@code timeout=T}, the seconds the server keeps an idle connection, and {@code max=N}, how many more
 * requests it accepts on it. Parameters may come in any order, in one or several headers or comma-separated
 * elements; unknown parameters and malformed values are ignored (a bad header must not stop a response).
 *
 * @param timeout the server's idle timeout, or null if not announced
 * @param max     the requests the server still accepts on the connection (this response's included, counted
 *                conservatively), or -1 if not announced
 */
record KeepAlive(Duration timeout, int max) {
    static final KeepAlive NONE = new KeepAlive(null, -1);

    /** The parameters of {@code headers}' Keep-Alive header; {@link #NONE} if there is none. */
    static KeepAlive of(Headers headers) {
        if (!headers.contains("Keep-Alive")) return NONE;
        Duration timeout = null;
        int max = -1;
        for (String value : headers.all("Keep-Alive")) {
            for (String element : value.split("[,;]")) {
                int eq = element.indexOf('=');
                if (eq < 0) continue;
                String name = element.substring(0, eq).trim();
                long n = number(element.substring(eq + 1));
                if (n < 0) continue;
                if (name.equalsIgnoreCase("timeout")) {
                    timeout = Duration.ofSeconds(n);
                } else if (name.equalsIgnoreCase("max")) {
                    max = (int) Math.min(n, Integer.MAX_VALUE);
                }
            }
        }
        return timeout == null && max < 0 ? NONE : new KeepAlive(timeout, max);
    }

    /** A non-negative decimal, possibly quoted; -1 if it is not one (or absurdly long). */
    private static long number(String text) {
        String t = text.trim();
        if (t.length() >= 2 && t.charAt(0) == '"' && t.charAt(t.length() - 1) == '"') t = t.substring(1, t.length() - 1);
        if (t.isEmpty() || t.length() > 9) return -1;
        long n = 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') return -1;
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /**
     * How long the cache keeps an idle connection with this announcement: before the server's timeout, with a
     * margin for the time its last response took to arrive (a second, or half of a timeout under two seconds).
     */
    Duration idleLimit(Duration keep) {
        if (timeout == null) return keep;
        Duration margin = timeout.compareTo(Duration.ofSeconds(2)) < 0 ? timeout.dividedBy(2) : Duration.ofSeconds(1);
        Duration before = timeout.minus(margin);
        if (before.isZero() || before.isNegative()) before = Duration.ofMillis(1);
        return before.compareTo(keep) < 0 ? before : keep;
    }
}
