package io.pipelane.internal.codec;

/**
 * Character classes of RFC 9110 §5.6 and RFC 9112, as lookup tables shared by the request validator and the
 * response parser. Pure functions; no state.
 */
public final class HttpSyntax {
    private HttpSyntax() {
    }

    /** tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA. */
    private static final boolean[] TCHAR = new boolean[256];
    /** field-vchar and obs-text plus SP / HTAB: what may stand inside a field value. */
    private static final boolean[] FIELD_VALUE = new boolean[256];
    /** What may stand in a request-target we write: visible ASCII without space. */
    private static final boolean[] TARGET = new boolean[256];

    static {
        for (char c = '0'; c <= '9'; c++) TCHAR[c] = true;
        for (char c = 'a'; c <= 'z'; c++) TCHAR[c] = true;
        for (char c = 'A'; c <= 'Z'; c++) TCHAR[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TCHAR[c] = true;
        for (int b = 0x21; b <= 0x7e; b++) {
            FIELD_VALUE[b] = true;
            TARGET[b] = true;
        }
        for (int b = 0x80; b <= 0xff; b++) FIELD_VALUE[b] = true;
        FIELD_VALUE[' '] = true;
        FIELD_VALUE['\t'] = true;
    }

    public static boolean isTchar(int b) {
        return TCHAR[b & 0xff];
    }

    public static boolean isFieldValueByte(int b) {
        return FIELD_VALUE[b & 0xff];
    }

    /** Whether {@code s} is a non-empty token (RFC 9110 §5.6.2). */
    public static boolean isToken(CharSequence s) {
        int n = s.length();
        if (n == 0) return false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c > 0xff || !TCHAR[c]) return false;
        }
        return true;
    }

    /**
     * Checks a header name we are about to send.
     *
     * @throws IllegalArgumentException naming the header when it is not a token
     */
    public static void checkFieldName(String name) {
        if (!isToken(name)) {
            throw new IllegalArgumentException("invalid header name " + quote(name)
                    + ": a header name is a non-empty token (RFC 9110 §5.6.2)");
        }
    }

    /**
     * Checks a header value we are about to send: no CR, LF, NUL or other control character (no header
     * injection), no leading or trailing whitespace, characters in ISO-8859-1 only.
     *
     * @throws IllegalArgumentException naming the header and the offending character
     */
    public static void checkFieldValue(String name, String value) {
        int n = value.length();
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c > 0xff || !FIELD_VALUE[c]) {
                throw new IllegalArgumentException("invalid character " + describe(c) + " at index " + i
                        + " in the value of header " + quote(name)
                        + ": CR, LF, NUL and other control characters are never sent");
            }
        }
        if (n > 0 && (isWhitespace(value.charAt(0)) || isWhitespace(value.charAt(n - 1)))) {
            throw new IllegalArgumentException("the value of header " + quote(name)
                    + " has leading or trailing whitespace");
        }
    }

    /**
     * Checks a request-target in origin-form ({@code /path?query}, no fragment) or asterisk-form ({@code *}).
     *
     * @throws IllegalArgumentException naming the problem
     */
    public static void checkTarget(String target) {
        if (target.isEmpty()) {
            throw new IllegalArgumentException("empty request target: use \"/\"");
        }
        if (!target.equals("*") && target.charAt(0) != '/') {
            throw new IllegalArgumentException("request target " + quote(target)
                    + " must start with '/' (origin-form) or be \"*\"");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '#') {
                throw new IllegalArgumentException("request target " + quote(target) + " has a fragment ('#' at"
                        + " index " + i + "): a fragment is never sent (RFC 9112 §3.2.1)");
            }
            if (c > 0x7f || !TARGET[c]) {
                throw new IllegalArgumentException("invalid character " + describe(c) + " at index " + i
                        + " of request target " + quote(target) + ": percent-encode it");
            }
        }
    }

    public static boolean isWhitespace(int c) {
        return c == ' ' || c == '\t';
    }

    static String describe(int c) {
        if (c == '\r') return "CR";
        if (c == '\n') return "LF";
        if (c == 0) return "NUL";
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return String.format("0x%02X", c);
        if (c == 0x2028 || c == 0x2029) return String.format("U+%04X", c);
        return "'" + (char) c + "' (U+" + String.format("%04X", c) + ")";
    }

    /** {@code s} for a message: quoted, control characters escaped, cut when long ({@link Printable#quote}). */
    static String quote(String s) {
        return Printable.quote(s);
    }
}
