package io.pipelane;

import io.pipelane.internal.codec.Printable;
import io.pipelane.internal.config.Redaction;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;

/**
 * How one connection goes through an HTTP proxy. Immutable; part of {@link ConnectionOptions#proxy()}.
 *
 * <ul>
 *   <li>To an {@code http} endpoint, requests are <b>forwarded</b>: the connection goes to the proxy and each
 *       request-line carries the absolute-form ({@code GET http://host:port/path HTTP/1.1}, RFC 9112 §3.2.2),
 *       with {@code Proxy-Authorization} when a user is set and any {@link #headers()}. With {@link #tunnel()}
 *       an {@code http} endpoint is reached through a CONNECT tunnel instead.</li>
 *   <li>To an {@code https} endpoint, the connection always opens a <b>tunnel</b>: {@code CONNECT host:port}
 *       (with the same proxy headers), then, once the proxy answers 2xx, TLS with the origin server over the
 *       tunnel (SNI and hostname verification name the origin, not the proxy). Any other answer fails
 *       connecting with a {@link ProxyException} that names the proxy's status.</li>
 *   <li>Unix socket endpoints never go through a proxy.</li>
 * </ul>
 *
 * The proxy itself is reached over plain TCP ({@code http://host:port}). {@link #toString()} never shows the
 * password.
 */
public final class ProxyOptions {
    private final Endpoint address;
    private final String user;
    private final String password;
    private final boolean tunnel;
    private final Headers headers;

    private ProxyOptions(Builder b) {
        this.address = b.address;
        this.user = b.user;
        this.password = b.password;
        this.tunnel = b.tunnel;
        this.headers = b.headers;
    }

    /** A proxy at {@code http://host:port}, without credentials. */
    public static ProxyOptions of(String host, int port) {
        return builder(Endpoint.http(host, port)).build();
    }

    /**
     * Parses a proxy URI as curl and the {@code http_proxy} variables write it:
     * {@code http://[user[:password]@]host[:port]} (port 1080 when absent, as curl assumes; a URI without a
     * scheme is taken as {@code http}). User and password are percent-decoded.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static ProxyOptions parse(String uri) {
        Objects.requireNonNull(uri, "uri");
        String s = uri.trim();
        if (!s.contains("://")) s = "http://" + s;
        URI u;
        try {
            u = URI.create(s);
        } catch (IllegalArgumentException e) {
            // Neither the JDK's message nor its exception as cause: both quote the input, password included.
            throw new IllegalArgumentException("invalid proxy URI " + Printable.singleQuote(redact(uri)) + ": "
                    + Printable.escape(Redaction.uriProblem(e)));
        }
        String scheme = u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http")) {
            throw new IllegalArgumentException("unsupported proxy scheme " + Printable.singleQuote(scheme) + " in "
                    + Printable.singleQuote(redact(uri)) + ": only http proxies are supported");
        }
        if (u.getHost() == null) {
            throw new IllegalArgumentException("proxy URI " + Printable.singleQuote(redact(uri)) + " has no host");
        }
        String path = u.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/")) || u.getRawQuery() != null) {
            throw new IllegalArgumentException("proxy URI " + Printable.singleQuote(redact(uri))
                    + " must not have a path or query");
        }
        String host = u.getHost();
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        Builder b = builder(Endpoint.http(host, u.getPort() == -1 ? 1080 : u.getPort()));
        String info = u.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            String user = decode(colon < 0 ? info : info.substring(0, colon), uri);
            String password = colon < 0 ? "" : decode(info.substring(colon + 1), uri);
            b.credentials(user, password);
        }
        return b.build();
    }

    /** A builder for a proxy at {@code address}, an {@code http} endpoint. */
    public static Builder builder(Endpoint address) {
        return new Builder(address);
    }

    public Builder toBuilder() {
        Builder b = new Builder(address);
        b.user = user;
        b.password = password;
        b.tunnel = tunnel;
        b.headers = headers;
        return b;
    }

    /** Where the proxy listens. */
    public Endpoint address() {
        return address;
    }

    /** The user for {@code Proxy-Authorization: Basic}, or {@code null}. */
    public String user() {
        return user;
    }

    /** The password, or {@code null}. */
    public String password() {
        return password;
    }

    /** Whether {@code http} endpoints are also reached through a CONNECT tunnel (cohttp's {@code Make_tunnel}). */
    public boolean tunnel() {
        return tunnel;
    }

    /** Extra headers sent to the proxy (on forwarded requests, and on CONNECT). */
    public Headers headers() {
        return headers;
    }

    /** Whether a connection to {@code endpoint} through this proxy uses a CONNECT tunnel. */
    public boolean tunnels(Endpoint endpoint) {
        return endpoint.isSecure() || tunnel;
    }

    /**
     * The headers for the proxy: {@code Proxy-Authorization: Basic ...} when a user is set (RFC 7617, UTF-8),
     * then {@link #headers()}.
     */
    public Headers proxyHeaders() {
        if (user == null) return headers;
        Headers.Builder b = Headers.builder();
        String token = Base64.getEncoder().encodeToString((user + ":" + (password == null ? "" : password))
                .getBytes(StandardCharsets.UTF_8));
        b.add("Proxy-Authorization", "Basic " + token);
        for (int i = 0; i < headers.size(); i++) b.add(headers.name(i), headers.value(i));
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ProxyOptions)) return false;
        ProxyOptions p = (ProxyOptions) o;
        return address.equals(p.address) && Objects.equals(user, p.user) && Objects.equals(password, p.password)
                && tunnel == p.tunnel && headers.equals(p.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(address, user, tunnel);
    }

    @Override
    public String toString() {
        return "ProxyOptions{" + address + (user != null ? ", user=" + user + ", password=****" : "")
                + (tunnel ? ", tunnel" : "") + (headers.isEmpty() ? "" : ", headers=" + headers.names()) + "}";
    }

    private static String decode(String s, String uri) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // URLDecoder's message quotes the text, a password perhaps.
            throw new IllegalArgumentException("proxy URI " + Printable.singleQuote(redact(uri)) + ": user-info with a bad %-escape");
        }
    }

    private static String redact(String uri) {
        return Redaction.uri(uri);
    }

    /** Builds {@link ProxyOptions}. */
    public static final class Builder {
        private final Endpoint address;
        private String user;
        private String password;
        private boolean tunnel;
        private Headers headers = Headers.empty();

        private Builder(Endpoint address) {
            Objects.requireNonNull(address, "address");
            if (address.scheme() != Endpoint.Scheme.HTTP) {
                throw new IllegalArgumentException("proxy address " + address + ": only http proxies are supported");
            }
            this.address = address;
        }

        /** Credentials for {@code Proxy-Authorization: Basic}; {@code user == null} for none. */
        public Builder credentials(String user, String password) {
            if (user != null && user.indexOf(':') >= 0) {
                throw new IllegalArgumentException("proxy.user must not contain ':' (RFC 7617)");
            }
            this.user = user;
            this.password = user == null ? null : password;
            return this;
        }

        /** See {@link ProxyOptions#tunnel()}. Default {@code false}. */
        public Builder tunnel(boolean tunnel) {
            this.tunnel = tunnel;
            return this;
        }

        /** Extra headers for the proxy (validated like request headers). */
        public Builder headers(Headers headers) {
            this.headers = Objects.requireNonNull(headers, "headers");
            return this;
        }

        public ProxyOptions build() {
            return new ProxyOptions(this);
        }
    }
}
