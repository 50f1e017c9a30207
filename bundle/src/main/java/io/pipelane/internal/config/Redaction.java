package io.pipelane.internal.config;

import java.net.URISyntaxException;

/**
 * The one way a URI is quoted in a message, a log record or the console: its user-info (which may hold a password,
 * as in {@code https://svc:pw@host}) masked. Plain Java, stateless.
 */
public final class Redaction {
    /** How a secret is shown. */
    public static final String MASK = "****";

    private Redaction() {
    }

    /**
     * {@code uri} with everything between the scheme's {@code ://} (or the start) and the last {@code @} masked:
     * {@code https://svc:pw@host:8443} gives {@code https://****@host:8443}. Anything else is kept as it is.
     */
    public static String uri(String uri) {
        if (uri == null) return null;
        int scheme = uri.indexOf("://");
        int start = scheme < 0 ? 0 : scheme + 3;
        int at = uri.lastIndexOf('@');
        if (at < start) return uri;
        return uri.substring(0, start) + MASK + "@" + uri.substring(at + 1);
    }

    /**
     * Why {@code URI.create} refused its input, without the input (the JDK's message quotes it whole, password
     * included): {@code "Illegal character in authority"}. Without the JDK's index either: it counts in the
     * unredacted input, so it does not match the redacted one a message shows, and on Java 25 it points into
     * the password when the illegal character is there (which tells the password's position and length).
     */
    public static String uriProblem(IllegalArgumentException e) {
        if (e.getCause() instanceof URISyntaxException u) return u.getReason();
        return "not a valid URI";
    }
}
