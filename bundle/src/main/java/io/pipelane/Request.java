package io.pipelane;

import io.pipelane.internal.codec.HostNames;
import io.pipelane.internal.codec.HttpSyntax;
import io.pipelane.internal.codec.Printable;

import java.util.Locale;
import java.util.Objects;

/**
 * An immutable HTTP request: method, request-target (origin-form, e.g. {@code /items?id=7}), header fields
 * and body. The {@code Host} header is added from the connection's endpoint unless set here: a {@code Host} set
 * here replaces the endpoint's (one {@code Host} field is ever sent; its value must be {@code host[:port]}, RFC
 * 9110 §7.2, checked when it is set, and a second {@link Builder#header} with {@code Host} is refused: use
 * {@link Builder#setHeader} to replace it); framing headers
 * ({@code Content-Length}, {@code Transfer-Encoding}) and {@code Connection} are Pipelane's to write and are
 * refused here.
 *
 * <p>Every part is validated when the request is built, so an invalid request fails at once, in the caller's
 * thread, and never reaches the wire.
 */
public final class Request {
    private final String method;
    private final String target;
    private final Headers headers;
    private final RequestBody body;
    private final boolean idempotent;

    private Request(Builder b) {
        this.method = b.method;
        this.target = b.target;
        this.headers = b.headers.build();
        this.body = b.body;
        this.idempotent = b.idempotent != null ? b.idempotent : isIdempotentMethod(method);
    }

    public static Request get(String target) {
        return builder("GET", target).build();
    }

    public static Request head(String target) {
        return builder("HEAD", target).build();
    }

    public static Request delete(String target) {
        return builder("DELETE", target).build();
    }

    public static Request put(String target, RequestBody body) {
        return builder("PUT", target).body(body).build();
    }

    public static Request post(String target, RequestBody body) {
        return builder("POST", target).body(body).build();
    }

    /**
     * A builder for any method.
     *
     * @param method a token, case-sensitive, e.g. {@code GET}
     * @param target origin-form ({@code /path?query}, without a fragment), or {@code *} for {@code OPTIONS}
     */
    public static Builder builder(String method, String target) {
        return new Builder(method, target);
    }

    public String method() {
        return method;
    }

    public String target() {
        return target;
    }

    public Headers headers() {
        return headers;
    }

    public RequestBody body() {
        return body;
    }

    /** Whether the method is HEAD: its response has no body, whatever its headers say. */
    public boolean isHead() {
        return method.equals("HEAD");
    }

    /**
     * Whether sending this request twice has the effect of sending it once: by default, whether its method is
     * idempotent (RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE, PUT, DELETE). Decides between
     * {@link RetryException} and {@link PossiblyProcessedException}, and whether requests may be pipelined
     * behind it.
     */
    public boolean isIdempotent() {
        return idempotent;
    }

    /** The methods RFC 9110 §9.2.2 defines as idempotent. */
    public static boolean isIdempotentMethod(String method) {
        switch (method) {
            case "GET":
            case "HEAD":
            case "OPTIONS":
            case "TRACE":
            case "PUT":
            case "DELETE":
                return true;
            default:
                return false;
        }
    }

    public Builder toBuilder() {
        Builder b = new Builder(method, target);
        b.headers = headers.toBuilder();
        b.body = body;
        b.idempotent = idempotent == isIdempotentMethod(method) ? null : idempotent;
        return b;
    }

    @Override
    public String toString() {
        return method + " " + target;
    }

    /** Builds a {@link Request}. Not thread-safe. */
    public static final class Builder {
        private final String method;
        private final String target;
        private Headers.Builder headers = Headers.builder();
        private RequestBody body = RequestBody.empty();
        private Boolean idempotent;

        private Builder(String method, String target) {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(target, "target");
            if (!HttpSyntax.isToken(method)) {
                throw new IllegalArgumentException("invalid method " + Printable.quote(method)
                        + ": a method is a token");
            }
            if (method.equals("CONNECT")) {
                throw new IllegalArgumentException("CONNECT is not a request of a Connection: proxies open tunnels");
            }
            HttpSyntax.checkTarget(target);
            if (target.equals("*") && !method.equals("OPTIONS")) {
                throw new IllegalArgumentException("request target \"*\" (asterisk-form) is only for OPTIONS"
                        + " (RFC 9112 §3.2.4), not for " + method);
            }
            this.method = method;
            this.target = target;
        }

        /**
         * Appends a header field.
         *
         * @throws IllegalArgumentException naming the header when it is invalid or a framing header
         */
        public Builder header(String name, String value) {
            checkNotManaged(name, value);
            if ("host".equalsIgnoreCase(name) && headers.build().contains("Host")) {
                throw new IllegalArgumentException("header \"Host\" is set already: a request has one Host"
                        + " (RFC 9112 §3.2); use setHeader to replace it");
            }
            headers.add(name, value);
            return this;
        }

        /** Replaces every field of this name by one. */
        public Builder setHeader(String name, String value) {
            checkNotManaged(name, value);
            headers.set(name, value);
            return this;
        }

        public Builder body(RequestBody body) {
            this.body = Objects.requireNonNull(body, "body");
            return this;
        }

        /**
         * Overrides whether the request is idempotent, e.g. for a POST that carries an idempotency key the
         * server honours. See {@link Request#isIdempotent()}.
         */
        public Builder idempotent(boolean idempotent) {
            this.idempotent = idempotent;
            return this;
        }

        public Request build() {
            return new Request(this);
        }

        private static void checkNotManaged(String name, String value) {
            if (name == null) return;
            switch (name.toLowerCase(Locale.ROOT)) {
                case "host":
                    if (value != null) HostNames.checkHostHeader(value);
                    break;
                case "content-length":
                case "transfer-encoding":
                    throw new IllegalArgumentException("header " + Printable.quote(name)
                            + " is not set by hand: Pipelane frames the body from RequestBody.contentLength()");
                case "connection":
                    throw new IllegalArgumentException("header " + Printable.quote(name)
                            + " is not set by hand: use Persistence and Connection.shutdown()");
                default:
                    // any other header is the application's
            }
        }
    }
}
