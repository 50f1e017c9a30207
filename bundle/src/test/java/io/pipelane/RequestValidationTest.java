package io.pipelane;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A request is checked when it is built, in the caller's thread: nothing invalid can reach the wire. */
class RequestValidationTest {

    @ParameterizedTest(name = "value {0}")
    @ValueSource(strings = {"a\r\nX-Injected: 1", "a\nb", "a\rb", "a\u0000b", "a\u0007b", "a\u007fb", " a", "a ",
        "\u20ac"})
    void headerValuesAreCheckedNamingTheHeader(String value) {
        Request.Builder b = Request.builder("GET", "/");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.header("X-Token", value));
        assertTrue(e.getMessage().contains("header \"X-Token\""), e.getMessage());
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> b.setHeader("X-Token", value));
        assertTrue(s.getMessage().contains("header \"X-Token\""), s.getMessage());
    }

    @ParameterizedTest(name = "name [{0}]")
    @ValueSource(strings = {"X-Token\r\nX-Injected", "X Token", "X-Token:", "", "\u00e9t\u00e9"})
    void headerNamesAreCheckedNamingTheName(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Request.builder("GET", "/").header(name, "v"));
        assertTrue(e.getMessage().startsWith("invalid header name \""), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Content-Length", "content-length", "CONTENT-LENGTH", "Transfer-Encoding",
        "transfer-encoding", "Connection", "connection"})
    void framingAndConnectionHeadersAreRefusedNamingThem(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Request.builder("POST", "/").header(name, "5"));
        assertTrue(e.getMessage().startsWith("header \"" + name + "\" is not set by hand"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Request.builder("POST", "/").setHeader(name, "5"));
    }

    @Test
    void theHostHeaderMayBeSet() {
        Request r = Request.builder("GET", "/").header("Host", "virtual.example").build();
        assertEquals("virtual.example", r.headers().first("host"));
    }

    @Test
    void aSecondHostIsRefusedAndSetHeaderReplacesIt() {
        Request.Builder b = Request.builder("GET", "/").header("Host", "a.example");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.header("host", "b.example"));
        assertTrue(e.getMessage().contains("use setHeader to replace it"), e.getMessage());
        Request r = b.setHeader("HOST", "c.example:8080").build();
        assertEquals(List.of("c.example:8080"), r.headers().all("Host"), "one Host field, the last one set");
    }

    @ParameterizedTest(name = "Host [{0}]")
    @ValueSource(strings = {"a.example", "a.example:8080", "A_B.svc.test", "localhost.:443", "127.0.0.1:80",
        "[::1]", "[2001:db8::1]:8443", "xn--bcher-kva.example"})
    void validHostValuesAreAccepted(String host) {
        assertEquals(host, Request.builder("GET", "/").header("Host", host).build().headers().first("Host"));
    }

    @ParameterizedTest(name = "Host [{0}]")
    @ValueSource(strings = {"", "a b", "a/b", "a@b.example", "a.example:", "a.example:x", "a.example:65536",
        "a.example:80:80", "[::1", "[a.example]", "::1", "b\u00fccher.example", "a..b", "a#b", "[::1]x",
        "a.example:123456"})
    void invalidHostValuesAreRefused(String host) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Request.builder("GET", "/").header("Host", host));
        assertTrue(e.getMessage().startsWith("invalid Host header"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Request.builder("GET", "/").setHeader("Host", host));
    }

    @ParameterizedTest(name = "target [{0}]")
    @ValueSource(strings = {"index.html", "http://example.com/", "example.com:80", "?q=1", "**"})
    void targetsNotStartingWithASlashAreRefused(String target) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Request.builder("GET", target));
        assertEquals("request target \"" + target + "\" must start with '/' (origin-form) or be \"*\"",
                e.getMessage());
    }

    @Test
    void anEmptyTargetIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Request.get(""));
        assertTrue(e.getMessage().contains("empty request target"), e.getMessage());
    }

    @ParameterizedTest(name = "target [{0}]")
    @ValueSource(strings = {"/a b", "/a\tb", "/caf\u00e9", "/\u20ac", "/a\r\nX-Injected: 1", "/a\nb", "/a\u0000",
        "/a\u007f", "/ HTTP/1.1\r\nHost: evil"})
    void spacesControlsAndNonAsciiInTargetsAreRefused(String target) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Request.get(target));
        assertTrue(e.getMessage().contains("of request target \""), e.getMessage());
        assertTrue(e.getMessage().contains("percent-encode it"), e.getMessage());
    }

    @Test
    void aFragmentIsNotPartOfARequestTarget() {
        // RFC 9112 §3.2.1: origin-form = absolute-path [ "?" query ]; a fragment is never sent.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Request.get("/page#top"));
        assertTrue(e.getMessage().contains("\"/page#top\""), e.getMessage());
        assertTrue(e.getMessage().contains("fragment"), e.getMessage());
    }

    @ParameterizedTest(name = "target [{0}]")
    @ValueSource(strings = {"/", "/a/b?c=d&e=%20f", "/~user/x;p=1", "/a?b=/c?d", "/!$&'()*+,;=:@-._~"})
    void originFormTargetsAreAccepted(String target) {
        assertEquals(target, Request.get(target).target());
    }

    @Test
    void theAsteriskFormIsForOptionsOnly() {
        assertEquals("*", Request.builder("OPTIONS", "*").build().target());
        // RFC 9112 §3.2.4: the asterisk-form is only used for a server-wide OPTIONS request.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Request.get("*"));
        assertTrue(e.getMessage().contains("OPTIONS"), e.getMessage());
    }

    @ParameterizedTest(name = "method [{0}]")
    @ValueSource(strings = {"", "GE T", "GET\r\n", "G\u00c9T", "GET/1", "(GET)"})
    void methodsThatAreNotTokensAreRefused(String method) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Request.builder(method, "/"));
        assertTrue(e.getMessage().startsWith("invalid method \""), e.getMessage());
    }

    @Test
    void connectIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Request.builder("CONNECT", "/"));
        assertTrue(e.getMessage().contains("CONNECT"), e.getMessage());
    }

    @Test
    void extensionMethodsAreCaseSensitiveTokens() {
        assertEquals("PURGE", Request.builder("PURGE", "/").build().method());
        assertEquals("get", Request.builder("get", "/").build().method());
        assertFalse(Request.builder("get", "/").build().isIdempotent(), "methods are case-sensitive: get is not GET");
    }

    @Test
    void idempotencyFollowsTheMethodUnlessOverridden() {
        assertTrue(Request.get("/").isIdempotent());
        assertTrue(Request.put("/", RequestBody.of("x")).isIdempotent());
        assertTrue(Request.delete("/").isIdempotent());
        assertFalse(Request.post("/", RequestBody.of("x")).isIdempotent());
        assertTrue(Request.builder("POST", "/").header("Idempotency-Key", "k1").idempotent(true).build()
                .isIdempotent());
        Request post = Request.builder("POST", "/").idempotent(true).build();
        assertTrue(post.toBuilder().build().isIdempotent(), "toBuilder keeps the override");
    }
}
