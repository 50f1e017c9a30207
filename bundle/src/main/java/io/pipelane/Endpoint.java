package io.pipelane;

import io.pipelane.internal.codec.HostNames;
import io.pipelane.internal.codec.Printable;
import io.pipelane.internal.config.Redaction;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a connection goes: {@code http://host:port}, {@code https://host:port}, or HTTP over a Unix domain
 * socket. Immutable.
 *
 * <p>A host is an IP address or a DNS name of letters, digits, {@code -}, {@code _} and dots, optionally with one
 * trailing dot (a fully qualified name: kept in {@code Host} and for name resolution, left out of TLS's server
 * name). An international name is converted to its ASCII (punycode) form by IDNA with the STD3 rules and checked
 * again, so a full-width {@code ／ ＠ ： ＃} can never become a delimiter. Anything else is refused here, before a
 * connection exists.
 *
 * <p>As a URI, a Unix socket endpoint is written {@code unix:/path/to/socket} (or {@code unix:///path}); its
 * requests carry {@code Host: localhost} unless the request sets a {@code Host} header itself.
 */
public final class Endpoint {
    /** The transport and security of an endpoint. */
    public enum Scheme {
        HTTP("http", 80),
        HTTPS("https", 443),
        UNIX("unix", -1);

        private final String name;
        private final int defaultPort;

        Scheme(String name, int defaultPort) {
            this.name = name;
            this.defaultPort = defaultPort;
        }

        public int defaultPort() {
            return defaultPort;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final Scheme scheme;
    private final String host;
    private final int port;
    private final Path socketPath;
    private final String authority;

    private Endpoint(Scheme scheme, String host, int port, Path socketPath) {
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.socketPath = socketPath;
        if (scheme == Scheme.UNIX) {
            this.authority = "localhost";
        } else {
            String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
            this.authority = port == scheme.defaultPort ? h : h + ":" + port;
        }
    }

    /** {@code http://host:port}. */
    public static Endpoint http(String host, int port) {
        return new Endpoint(Scheme.HTTP, checkHost(host), checkPort(port), null);
    }

    /** {@code https://host:port}. */
    public static Endpoint https(String host, int port) {
        return new Endpoint(Scheme.HTTPS, checkHost(host), checkPort(port), null);
    }

    /** HTTP over the Unix domain socket at {@code socketPath}. */
    public static Endpoint unix(Path socketPath) {
        Objects.requireNonNull(socketPath, "socketPath");
        return new Endpoint(Scheme.UNIX, "localhost", -1, socketPath);
    }

    /**
     * Parses {@code http://host[:port]}, {@code https://host[:port]} or {@code unix:/path}. A path, query or
     * fragment other than a lone {@code /} is refused: an endpoint names a server, not a resource.
     *
     * @throws IllegalArgumentException naming what is wrong with the URI
     */
    public static Endpoint of(String uri) {
        Objects.requireNonNull(uri, "uri");
        String quoted = Printable.singleQuote(Redaction.uri(uri)); // never the user-info in a message
        URI parsed;
        try {
            parsed = URI.create(uri.trim());
        } catch (IllegalArgumentException e) {
            // Neither the JDK's message nor its exception as cause: both quote the input, user-info included.
            throw new IllegalArgumentException("invalid endpoint URI " + quoted + ": "
                    + Printable.escape(Redaction.uriProblem(e)));
        }
        try {
            return of(parsed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid endpoint URI " + quoted + ": " + e.getMessage(), e);
        }
    }

    /** See {@link #of(String)}. */
    public static Endpoint of(URI uri) {
        String quoted = Printable.singleQuote(Redaction.uri(uri.toString())); // never the user-info
        String scheme = uri.getScheme();
        if (scheme == null) {
            throw new IllegalArgumentException("endpoint URI " + quoted + " has no scheme (http, https or unix)");
        }
        switch (scheme.toLowerCase(Locale.ROOT)) {
            case "unix": {
                String path = uri.getPath();
                if (path == null || path.isEmpty()) {
                    throw new IllegalArgumentException("unix endpoint URI " + quoted + " has no socket path");
                }
                return unix(Path.of(path));
            }
            case "http":
            case "https": {
                Scheme s = scheme.equalsIgnoreCase("http") ? Scheme.HTTP : Scheme.HTTPS;
                String host = uri.getHost();
                int port = uri.getPort();
                if (host == null && uri.getRawAuthority() != null) {
                    // java.net.URI reads a name with '_' as a registry-based authority, without host and port:
                    // split it here; HostNames checks the host.
                    String authority = uri.getRawAuthority();
                    if (authority.indexOf('@') >= 0) {
                        throw new IllegalArgumentException("endpoint URI " + quoted + " must not carry user info");
                    }
                    int colon = authority.lastIndexOf(':');
                    host = colon < 0 ? authority : authority.substring(0, colon);
                    port = colon < 0 ? -1 : parsePort(authority.substring(colon + 1), quoted);
                }
                if (host == null) {
                    throw new IllegalArgumentException("endpoint URI " + quoted + " has no host");
                }
                if (uri.getRawUserInfo() != null) {
                    throw new IllegalArgumentException("endpoint URI " + quoted + " must not carry user info");
                }
                String path = uri.getRawPath();
                if ((path != null && !path.isEmpty() && !path.equals("/")) || uri.getRawQuery() != null
                        || uri.getRawFragment() != null) {
                    throw new IllegalArgumentException("endpoint URI " + quoted
                            + " must not have a path, query or fragment: give the path in the request");
                }
                if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
                if (port == -1) port = s.defaultPort;
                return new Endpoint(s, checkHost(host), checkPort(port), null);
            }
            default:
                throw new IllegalArgumentException("unsupported scheme " + Printable.singleQuote(scheme)
                        + " in endpoint URI "
                        + quoted + " (http, https or unix)");
        }
    }

    private static String checkHost(String host) {
        Objects.requireNonNull(host, "host");
        return HostNames.normalize(host);
    }

    private static int parsePort(String digits, String quotedUri) {
        if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("endpoint URI " + quotedUri + " has an invalid port");
        }
        return Integer.parseInt(digits);
    }

    private static int checkPort(int port) {
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port + " is not in 1..65535");
        return port;
    }

    public Scheme scheme() {
        return scheme;
    }

    /** The host name or address ({@code localhost} for a Unix socket). IPv6 addresses come without brackets. */
    public String host() {
        return host;
    }

    /** The TCP port, or -1 for a Unix socket. */
    public int port() {
        return port;
    }

    /** The socket path of a Unix socket endpoint, else {@code null}. */
    public Path socketPath() {
        return socketPath;
    }

    /** Whether connections to this endpoint use TLS. */
    public boolean isSecure() {
        return scheme == Scheme.HTTPS;
    }

    /** The value of the {@code Host} header: {@code host[:port]}, the port left out when it is the default. */
    public String authority() {
        return authority;
    }

    /** The endpoint as a URI string, e.g. {@code https://example.com:8443} or {@code unix:/run/app.sock}. */
    public String toUri() {
        if (scheme == Scheme.UNIX) return "unix:" + socketPath;
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return scheme + "://" + h + ":" + port;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Endpoint)) return false;
        Endpoint e = (Endpoint) o;
        return scheme == e.scheme && port == e.port && host.equals(e.host) && Objects.equals(socketPath, e.socketPath);
    }

    @Override
    public int hashCode() {
        return Objects.hash(scheme, host, port, socketPath);
    }

    /**
     * {@link #toUri()} for messages and logs: a Unix socket path may hold any character but NUL, so control
     * characters are escaped ({@code \x0A}).
     */
    @Override
    public String toString() {
        return scheme == Scheme.UNIX ? Printable.line(toUri()) : toUri();
    }
}
