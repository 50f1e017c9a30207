package io.pipelane.internal.codec;

import java.net.IDN;
import java.util.Locale;

/**
 * Host names and {@code Host} header values: what an endpoint may name, and the one form every later use sees.
 * Pure functions; no state, no name resolution.
 *
 * <ul>
 *   <li>An IPv6 address (hex digits, colons, dots), an IPv4 address, or a DNS name of letters, digits, {@code -},
 *       {@code _} (found in real internal names, e.g. container service names) and dots between non-empty labels
 *       of at most 63 characters, at most one trailing dot (a fully qualified name, kept as given: it is part of
 *       the authority, so of {@code Host}, as curl and browsers send it).</li>
 *   <li>A name with non-ASCII characters is converted by {@link IDN#toASCII} under the STD3 rules, and the result is
 *       checked again like any ASCII name: a full-width {@code ／ ＠ ： ＃} (which IDNA maps to {@code / @ : #}) is
 *       refused, never turned into a delimiter of the URI or request-line it ends up in.</li>
 * </ul>
 */
public final class HostNames {
    private HostNames() {
    }

    /**
     * The form of {@code host} that Pipelane uses everywhere (lower case, punycode for international names).
     *
     * @throws IllegalArgumentException naming the host (escaped) and what is wrong with it
     */
    public static String normalize(String host) {
        if (host.isEmpty()) throw new IllegalArgumentException("empty host");
        if (host.indexOf(':') >= 0) return checkIpv6(host);
        String ascii = host;
        if (!isAscii(host)) {
            try {
                ascii = IDN.toASCII(host, IDN.USE_STD3_ASCII_RULES);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid international host name " + Printable.quote(host)
                        + ": " + Printable.escape(e.getMessage()), e);
            }
            // IDN.toASCII leaves a name unchanged when its labels are already ASCII after mapping; the result is
            // checked as if the caller had written it.
        }
        String problem = dnsNameProblem(ascii);
        if (problem != null) {
            throw new IllegalArgumentException("invalid host " + Printable.quote(host)
                    + (ascii.equals(host) ? "" : " (" + Printable.quote(ascii) + " in ASCII)") + ": " + problem);
        }
        return ascii.toLowerCase(Locale.ROOT);
    }

    /**
     * Checks the value of a {@code Host} header a caller sets: {@code uri-host [ ":" port ]} (RFC 9110 §7.2), with a
     * host as {@link #normalize} accepts it (an IPv6 address in brackets), in ASCII.
     *
     * @throws IllegalArgumentException naming the value (escaped) and the problem
     */
    public static void checkHostHeader(String value) {
        String host = value;
        int colon;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0) throw badHostHeader(value, "an IPv6 address without ']'");
            host = value.substring(1, close);
            colon = close + 1 == value.length() ? -1 : close + 1;
            if (colon >= 0 && value.charAt(colon) != ':') throw badHostHeader(value, "unexpected text after ']'");
            if (host.indexOf(':') < 0) throw badHostHeader(value, "brackets around something that is not IPv6");
        } else {
            colon = value.indexOf(':');
            if (colon >= 0) host = value.substring(0, colon);
        }
        if (colon >= 0) {
            String port = value.substring(colon + 1);
            if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(port) > 65535) {
                throw badHostHeader(value, "the port is not a number in 0..65535");
            }
        }
        if (host.isEmpty()) throw badHostHeader(value, "no host");
        if (!isAscii(host)) throw badHostHeader(value, "not ASCII: give an international name in its punycode form");
        String problem = host.indexOf(':') >= 0 ? ipv6Problem(host) : dnsNameProblem(host);
        if (problem != null) throw badHostHeader(value, problem);
    }

    /**
     * The name that TLS uses for SNI and for checking the server's certificate: the host without its trailing dot
     * (RFC 6066 §3: SNI carries no trailing dot; curl and browsers match certificates without it as well).
     */
    public static String tlsName(String host) {
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    /** Whether {@code host} is an IPv4 or IPv6 address literal (no SNI for those, RFC 6066 §3). */
    public static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) return true;
        int dots = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '.') dots++;
            else if (c < '0' || c > '9') return false;
        }
        return dots == 3;
    }

    private static IllegalArgumentException badHostHeader(String value, String problem) {
        return new IllegalArgumentException("invalid Host header " + Printable.quote(value) + ": " + problem);
    }

    private static String checkIpv6(String host) {
        String problem = ipv6Problem(host);
        if (problem != null) throw new IllegalArgumentException("invalid host " + Printable.quote(host) + ": "
                + problem);
        return host.toLowerCase(Locale.ROOT);
    }

    private static String ipv6Problem(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':'
                    || c == '.';
            if (!ok) return "invalid character " + HttpSyntax.describe(c) + " in an IPv6 address";
        }
        return null;
    }

    /** Why {@code name} (ASCII) is not a DNS name or IPv4 address as described above, or {@code null}. */
    private static String dnsNameProblem(String name) {
        int n = name.length();
        if (n == 0) return "empty host";
        if (n > 254 || (n == 254 && name.charAt(253) != '.')) return "longer than 253 characters";
        int labelStart = 0;
        for (int i = 0; i <= n; i++) {
            char c = i == n ? '.' : name.charAt(i);
            if (c == '.') {
                if (i == labelStart) return "empty label (two dots, or a leading dot) at index " + i;
                if (i - labelStart > 63) return "label longer than 63 characters at index " + labelStart;
                if (i == n - 1) break; // the trailing dot of a fully qualified name
                labelStart = i + 1;
                continue;
            }
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_';
            if (!ok) {
                return "invalid character " + HttpSyntax.describe(c) + " at index " + i
                        + " (a host name has letters, digits, '-', '_' and dots)";
            }
        }
        return null;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) return false;
        }
        return true;
    }
}
