package io.pipelane.internal.codec;

/**
 * Text from users, configuration or servers, made safe to embed in an exception message or a log line: control
 * characters (CR, LF, NUL, ESC, ..., DEL, the C1 range) and the Unicode line and paragraph separators are
 * escaped, so no input can start a forged line or move a terminal's cursor; long text is cut. Pure functions.
 *
 * <p>Every message that quotes input goes through here (or through {@link HttpSyntax#quote}, which does).
 */
public final class Printable {
    /** Characters of input kept in a message; the rest is replaced by "...". */
    static final int MAX_CHARS = 200;

    private Printable() {
    }

    /** {@code s} in double quotes, escaped; {@code "null"} for {@code null}. */
    public static String quote(Object s) {
        return s == null ? "null" : '"' + escape(s) + '"';
    }

    /** {@code s} in single quotes, escaped; {@code "null"} for {@code null}. */
    public static String singleQuote(Object s) {
        return s == null ? "null" : '\'' + escape(s) + '\'';
    }

    /** {@code String.valueOf(s)}, escaped, without quotes, cut after {@value #MAX_CHARS} characters. */
    public static String escape(Object o) {
        return escape(String.valueOf(o), MAX_CHARS);
    }

    /**
     * A whole message or log line (which may quote input that was not escaped where it was quoted, such as the
     * message of a JDK exception): control characters escaped, nothing cut.
     */
    public static String line(Object o) {
        return escape(String.valueOf(o), Integer.MAX_VALUE);
    }

    private static String escape(String s, int max) {
        int n = s.length();
        int i = 0;
        while (i < n && i < max && !needsEscape(s.charAt(i))) i++;
        if (i == n) return s;
        StringBuilder b = new StringBuilder(Math.min(n, max) + 16).append(s, 0, i);
        for (; i < n && i < max; i++) {
            char c = s.charAt(i);
            if (!needsEscape(c)) b.append(c);
            else if (c < 0x100) b.append(String.format("\\x%02X", (int) c));
            else b.append(String.format("\\u%04X", (int) c));
        }
        if (n > max) b.append("...");
        return b.toString();
    }

    /** Bytes {@code b[off, end)} as ISO-8859-1 text in double quotes, escaped like {@link #escape}. */
    public static String quote(byte[] b, int off, int end) {
        StringBuilder s = new StringBuilder("\"");
        for (int i = off; i < end && i < off + 100; i++) {
            int c = b[i] & 0xff;
            if (c < 0x20 || c >= 0x7f) s.append(String.format("\\x%02X", c));
            else s.append((char) c);
        }
        if (end - off > 100) s.append("...");
        return s.append('"').toString();
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }
}
