package io.pipelane;

import java.net.IDN;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a connection goes: {@code http://host:port}, {@code https://host:port}, or HTTP over a Unix domain
 * socket. Immutable.
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
        try {
            return of(URI.create(uri.trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid endpoint URI '" + uri + "': " + e.getMessage(), e);
        }
    }

    /** See {@link #of(String)}. */
    public static Endpoint of(URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null) {
            throw new IllegalArgumentException("endpoint URI '" + uri + "' has no scheme (http, https or unix)");
        }
        switch (scheme.toLowerCase(Locale.ROOT)) {
            case "unix": {
                String path = uri.getPath();
                if (path == null || path.isEmpty()) {
                    throw new IllegalArgumentException("unix endpoint URI '" + uri + "' has no socket path");
                }
                return unix(Path.of(path));
            }
            case "http":
            case "https": {
                Scheme s = scheme.equalsIgnoreCase("http") ? Scheme.HTTP : Scheme.HTTPS;
                String host = uri.getHost();
                if (host == null) {
                    throw new IllegalArgumentException("endpoint URI '" + uri + "' has no host");
                }
                if (uri.getRawUserInfo() != null) {
                    throw new IllegalArgumentException("endpoint URI '" + uri + "' must not carry user info");
                }
                String path = uri.getRawPath();
                if ((path != null && !path.isEmpty() && !path.equals("/")) || uri.getRawQuery() != null
                        || uri.getRawFragment() != null) {
                    throw new IllegalArgumentException("endpoint URI '" + uri
                            + "' must not have a path, query or fragment: give the path in the request");
                }
                if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
                int port = uri.getPort() == -1 ? s.defaultPort : uri.getPort();
                return new Endpoint(s, checkHost(host), checkPort(port), null);
            }
            default:
                throw new IllegalArgumentException("unsupported scheme '" + scheme + "' in endpoint URI '" + uri
                        + "' (http, https or unix)");
        }
    }

    private static String checkHost(String host) {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) throw new IllegalArgumentException("empty host");
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c <= ' ' || c == '/' || c == '@' || c == '?' || c == '#' || c == 0x7f) {
                throw new IllegalArgumentException("invalid character in host '" + host + "'");
            }
        }
        // Non-ASCII names travel as their ASCII (punycode) form, in Host and in SNI.
        return host.chars().allMatch(c -> c < 0x80) ? host.toLowerCase(Locale.ROOT) : IDN.toASCII(host);
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

    @Override
    public String toString() {
        return toUri();
    }
}
