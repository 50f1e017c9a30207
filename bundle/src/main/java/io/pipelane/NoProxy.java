package io.pipelane;

import io.pipelane.internal.codec.Printable;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The hosts that are reached directly, not through a proxy, written in curl's {@code NO_PROXY} syntax.
 * Immutable.
 *
 * <p>The list is separated by commas (spaces around entries are ignored). Each entry is one of:
 * <ul>
 *   <li>{@code *} alone: every host (no proxy at all);</li>
 *   <li>a host name, with or without a leading dot: it matches that name and every name below it
 *       ({@code example.com} and {@code .example.com} both match {@code example.com} and
 *       {@code www.example.com}, not {@code notexample.com}); case-insensitive, a trailing dot ignored;</li>
 *   <li>an IP address, IPv6 with or without brackets ({@code 127.0.0.1}, {@code ::1}, {@code [::1]}): it
 *       matches that address written as an address (no name resolution is done); or a CIDR block
 *       ({@code 10.0.0.0/8}, {@code fd00::/8});</li>
 *   <li>any of these followed by {@code :port} ({@code example.com:8080}, {@code [::1]:8443}): only that
 *       port matches.</li>
 * </ul>
 * Empty entries are skipped; {@code *.example.com} is read as {@code .example.com}. Like curl, a name never
 * matches an address or the reverse.
 */
public final class NoProxy {
    private static final NoProxy NONE = new NoProxy("", List.of(), false);

    private final String text;
    private final List<Entry> entries;
    private final boolean all;

    private NoProxy(String text, List<Entry> entries, boolean all) {
        this.text = text;
        this.entries = entries;
        this.all = all;
    }

    /** The empty list: every host goes through the proxy. */
    public static NoProxy none() {
        return NONE;
    }

    /**
     * Parses a list in curl's syntax.
     *
     * @throws IllegalArgumentException naming the bad entry (a bad port or CIDR prefix)
     */
    public static NoProxy parse(String list) {
        Objects.requireNonNull(list, "list");
        List<Entry> entries = new ArrayList<>();
        boolean all = false;
        for (String raw : list.split(",")) {
            String item = raw.trim();
            if (item.isEmpty()) continue;
            if (item.equals("*")) {
                all = true;
                continue;
            }
            entries.add(Entry.parse(item));
        }
        return new NoProxy(list.trim(), List.copyOf(entries), all);
    }

    /** Parses the entries of several values (each may itself be a comma list), as configuration gives them. */
    public static NoProxy parse(List<String> values) {
        return parse(String.join(",", values));
    }

    /** Whether {@code endpoint} is reached directly. Unix socket endpoints always are. */
    public boolean matches(Endpoint endpoint) {
        if (endpoint.scheme() == Endpoint.Scheme.UNIX) return true;
        return matches(endpoint.host(), endpoint.port());
    }

    /** Whether {@code host} (a name or an IP literal, IPv6 with or without brackets) on {@code port} is excluded. */
    public boolean matches(String host, int port) {
        if (all) return true;
        if (entries.isEmpty()) return false;
        String h = normalizeHost(host);
        byte[] address = ipLiteral(h);
        for (Entry e : entries) {
            if (e.matches(h, address, port)) return true;
        }
        return false;
    }

    /** Whether the list is empty. */
    public boolean isEmpty() {
        return !all && entries.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NoProxy && ((NoProxy) o).text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    /** The list as given. */
    @Override
    public String toString() {
        return text;
    }

    private static String normalizeHost(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        return h;
    }

    /** The bytes of an IPv4 or IPv6 literal, or null for a name. Never resolves a name. */
    static byte[] ipLiteral(String h) {
        if (h.isEmpty()) return null;
        boolean v6 = h.indexOf(':') >= 0;
        if (!v6) {
            for (int i = 0; i < h.length(); i++) {
                char c = h.charAt(i);
                if ((c < '0' || c > '9') && c != '.') return null;
            }
            String[] parts = h.split("\\.", -1);
            if (parts.length != 4) return null;
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255) return null;
            }
        } else {
            for (int i = 0; i < h.length(); i++) {
                char c = h.charAt(i);
                boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                if (!hex && c != ':' && c != '.' && c != '%') return null;
            }
        }
        try {
            return InetAddress.getByName(h).getAddress(); // a literal: no lookup happens
        } catch (UnknownHostException | RuntimeException e) {
            return null;
        }
    }

    /** One entry of the list. */
    private static final class Entry {
        final String name;      // a host name without leading dot, or null
        final byte[] network;   // an address or a CIDR network, or null
        final int prefix;       // CIDR prefix length in bits
        final int port;         // -1: any port

        private Entry(String name, byte[] network, int prefix, int port) {
            this.name = name;
            this.network = network;
            this.prefix = prefix;
            this.port = port;
        }

        static Entry parse(String item) {
            String s = item.toLowerCase(Locale.ROOT);
            int port = -1;
            String host;
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                if (close < 0) throw new IllegalArgumentException("no-proxy entry " + Printable.singleQuote(item)
                        + ": missing ']'");
                host = s.substring(1, close);
                String rest = s.substring(close + 1);
                if (rest.startsWith("/")) { // [fd00::]/8
                    host = host + rest;
                } else if (rest.startsWith(":")) {
                    port = port(item, rest.substring(1));
                } else if (!rest.isEmpty()) {
                    throw new IllegalArgumentException("no-proxy entry " + Printable.singleQuote(item)
                            + ": unexpected " + Printable.singleQuote(rest));
                }
            } else {
                int colon = s.indexOf(':');
                if (colon >= 0 && colon == s.lastIndexOf(':')) { // name:port or v4:port (an IPv6 has several)
                    host = s.substring(0, colon);
                    port = port(item, s.substring(colon + 1));
                } else {
                    host = s;
                }
            }
            int slash = host.indexOf('/');
            if (slash >= 0) {
                byte[] net = ipLiteral(host.substring(0, slash));
                if (net == null) {
                    throw new IllegalArgumentException("no-proxy entry " + Printable.singleQuote(item)
                            + ": a CIDR block needs an address");
                }
                int bits;
                try {
                    bits = Integer.parseInt(host.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("no-proxy entry " + Printable.singleQuote(item)
                            + ": bad CIDR prefix", e);
                }
                if (bits < 0 || bits > net.length * 8) {
                    throw new IllegalArgumentException("no-proxy entry " + Printable.singleQuote(item)
                            + ": CIDR prefix " + bits
                            + " out of range");
                }
                return new Entry(null, net, bits, port);
            }
            if (host.endsWith(".")) host = host.substring(0, host.length() - 1);
            byte[] address = ipLiteral(host);
            if (address != null) return new Entry(null, address, address.length * 8, port);
            while (host.startsWith(".")) host = host.substring(1);
            if (host.startsWith("*.")) host = host.substring(2); // a common spelling of the same thing
            if (host.isEmpty()) throw new IllegalArgumentException("no-proxy entry " + Printable.singleQuote(item)
                    + " names no host");
            return new Entry(host, null, 0, port);
        }

        private static int port(String item, String text) {
            try {
                int p = Integer.parseInt(text);
                if (p < 1 || p > 65535) throw new NumberFormatException();
                return p;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("no-proxy entry " + Printable.singleQuote(item) + ": bad port "
                        + Printable.singleQuote(text));
            }
        }

        boolean matches(String host, byte[] address, int p) {
            if (port != -1 && port != p) return false;
            if (name != null) {
                if (address != null) return false;
                return host.equals(name)
                        || (host.length() > name.length() && host.endsWith(name)
                        && host.charAt(host.length() - name.length() - 1) == '.');
            }
            if (address == null || address.length != network.length) return false;
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) return false;
            }
            int rest = prefix % 8;
            if (rest == 0) return true;
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }
}
