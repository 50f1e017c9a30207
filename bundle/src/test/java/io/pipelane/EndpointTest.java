package io.pipelane;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing endpoint URIs: http, https and Unix sockets; anything else is refused with a message naming it. */
class EndpointTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // uri                      | scheme | host             | port | authority             | toUri
        "http://example.com         | HTTP   | example.com      | 80   | example.com           | http://example.com:80",
        "http://example.com/        | HTTP   | example.com      | 80   | example.com           | http://example.com:80",
        "https://example.com        | HTTPS  | example.com      | 443  | example.com           | https://example.com:443",
        "http://example.com:8080    | HTTP   | example.com      | 8080 | example.com:8080      | http://example.com:8080",
        "https://example.com:443    | HTTPS  | example.com      | 443  | example.com           | https://example.com:443",
        "https://example.com:80     | HTTPS  | example.com      | 80   | example.com:80        | https://example.com:80",
        "HTTP://Example.COM:81      | HTTP   | example.com      | 81   | example.com:81        | http://example.com:81",
        "http://127.0.0.1:9000      | HTTP   | 127.0.0.1        | 9000 | 127.0.0.1:9000        | http://127.0.0.1:9000",
        "http://[::1]:8080          | HTTP   | ::1              | 8080 | [::1]:8080            | http://[::1]:8080",
        "https://[2001:db8::1]      | HTTPS  | 2001:db8::1      | 443  | [2001:db8::1]         | https://[2001:db8::1]:443",
        "'  http://example.com  '   | HTTP   | example.com      | 80   | example.com           | http://example.com:80",
    })
    void tcpEndpoints(String uri, Endpoint.Scheme scheme, String host, int port, String authority, String toUri) {
        Endpoint e = Endpoint.of(uri);
        assertEquals(scheme, e.scheme());
        assertEquals(host, e.host());
        assertEquals(port, e.port());
        assertEquals(authority, e.authority());
        assertEquals(toUri, e.toUri());
        assertEquals(scheme == Endpoint.Scheme.HTTPS, e.isSecure());
        assertNull(e.socketPath());
        assertEquals(e, Endpoint.of(e.toUri()), "toUri parses back to the same endpoint");
    }

    @Test
    void unixSocketEndpoints() {
        for (String uri : new String[] {"unix:/run/app.sock", "unix:///run/app.sock", "UNIX:/run/app.sock"}) {
            Endpoint e = Endpoint.of(uri);
            assertEquals(Endpoint.Scheme.UNIX, e.scheme(), uri);
            assertEquals(Path.of("/run/app.sock"), e.socketPath(), uri);
            assertEquals("localhost", e.authority(), uri);
            assertEquals(-1, e.port(), uri);
            assertFalse(e.isSecure(), uri);
            assertEquals(e, Endpoint.of(e.toUri()), uri);
        }
    }

    @Test
    void factoriesCheckHostAndPort() {
        assertEquals("example.com:8443", Endpoint.https("Example.com", 8443).authority());
        assertEquals("xn--bcher-kva.example", Endpoint.http("b\u00fccher.example", 80).host(),
                "international names travel as punycode");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Endpoint.http("example.com", 0))
                .getMessage().contains("port 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Endpoint.http("example.com", 65536))
                .getMessage().contains("port 65536"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Endpoint.http("bad host", 80))
                .getMessage().contains("invalid host \"bad host\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Endpoint.http("", 80))
                .getMessage().contains("empty host"));
        assertThrows(NullPointerException.class, () -> Endpoint.unix(null));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"evil.example\uff03.trusted.example", "evil.example\uff0f.trusted.example",
        "evil.example\uff20.trusted.example", "evil.example\uff1a80.trusted.example", "a\u3000b.example",
        "evil.example\ufe5f.trusted.example"})
    void fullWidthDelimitersAreRefusedNeverConverted(String host) {
        // IDNA maps these to '#', '/', '@', ':' and a space: a lenient conversion would hand a proxy
        // "http://evil.example#.trusted.example/", whose host is evil.example.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoint.http(host, 80));
        assertTrue(e.getMessage().startsWith("invalid international host name"), e.getMessage());
        IllegalArgumentException viaUri = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.of("http://" + host + "/"));
        assertFalse(viaUri.getMessage().contains("#."), viaUri.getMessage());
    }

    @Test
    void namesWithUnderscoreOrATrailingDotAreKept() {
        Endpoint underscore = Endpoint.of("https://A_B.svc.test:8443");
        assertEquals("a_b.svc.test", underscore.host());
        assertEquals(8443, underscore.port());
        assertEquals("a_b.svc.test:8443", underscore.authority());
        assertEquals(underscore, Endpoint.of(underscore.toUri()));
        assertEquals("a_b.svc.test", Endpoint.of("http://a_b.svc.test").host());
        Endpoint fqdn = Endpoint.of("https://localhost.:8443");
        assertEquals("localhost.", fqdn.host(), "the trailing dot stays in the authority (curl, browsers)");
        assertEquals("localhost.:8443", fqdn.authority());
        assertEquals("xn--bcher-kva.example.", Endpoint.http("B\u00fccher.example.", 80).host());
        assertEquals("example.com", Endpoint.http("example\uff0ecom", 80).host(), "a full-width dot is a dot");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a..b", ".a", "a.b..", "a b", "a/b", "a@b", "a?b", "a#b", "a%41", "a\u0000b",
        "a!b", "a+b"})
    void invalidAsciiHostsAreRefused(String host) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoint.http(host, 80));
        assertTrue(e.getMessage().contains("invalid host"), e.getMessage());
        assertFalse(e.getMessage().contains("\u0000"), "no raw control character in the message");
    }

    @Test
    void labelsAndNamesOverTheDnsLimitsAreRefused() {
        assertEquals("a".repeat(63) + ".example", Endpoint.http("a".repeat(63) + ".example", 80).host());
        assertThrows(IllegalArgumentException.class, () -> Endpoint.http("a".repeat(64) + ".example", 80));
        String long253 = ("a".repeat(49) + ".").repeat(5) + "abc"; // 253 characters
        assertEquals(253, long253.length());
        assertEquals(long253, Endpoint.http(long253, 80).host());
        assertEquals(long253 + ".", Endpoint.http(long253 + ".", 80).host());
        assertThrows(IllegalArgumentException.class, () -> Endpoint.http(long253 + "a", 80));
    }

    @Test
    void aUnixSocketPathWithALineBreakIsEscapedInMessages() {
        Endpoint e = Endpoint.unix(Path.of("/tmp/a\nWARNING: forged.sock"));
        assertEquals("unix:/tmp/a\nWARNING: forged.sock", e.toUri(), "the URI itself is exact");
        assertEquals("unix:/tmp/a\\x0AWARNING: forged.sock", e.toString(), "what messages and logs embed");
    }

    @Test
    void uriWithLineBreaksGivesAMessageWithout() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.of("http://exa\r\nWARNING: forged\r\nmple.com"));
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
        assertTrue(e.getMessage().contains("exa\\x0D\\x0AWARNING"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "http://example.com/api         | must not have a path, query or fragment",
        "http://example.com/api/v1/     | must not have a path, query or fragment",
        "http://example.com?x=1         | must not have a path, query or fragment",
        "http://example.com/#top        | must not have a path, query or fragment",
        "http://user:secret@example.com | must not carry user info",
        "https://user@example.com:8443  | must not carry user info",
        "ftp://example.com              | unsupported scheme 'ftp'",
        "ws://example.com               | unsupported scheme 'ws'",
        "example.com                    | has no scheme",
        "//example.com:80               | has no scheme",
        "http:///path                   | has no host",
        "http://example.com:0           | port 0 is not in 1..65535",
        "http://example.com:70000       | port 70000 is not in 1..65535",
        "unix:                          | invalid endpoint URI 'unix:'",
        "unix:relative.sock             | has no socket path",
        "http://exa mple.com            | invalid endpoint URI 'http://exa mple.com'",
        "http://us er:pw@host           | invalid endpoint URI 'http://****@host': Illegal character in authority",
    })
    void badUrisAreRefusedNamingTheProblem(String uri, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoint.of(uri));
        assertTrue(e.getMessage().contains(message), () -> "'" + e.getMessage() + "' should contain '" + message + "'");
        if (uri.contains("@")) {
            // Quoted without its user-info: a password never reaches a message.
            String redacted = uri.trim().replaceFirst("//.*@", "//****@");
            assertTrue(e.getMessage().contains(redacted), () -> "'" + e.getMessage() + "' should quote " + redacted);
            assertFalse(e.getMessage().contains("user:") || e.getMessage().contains("user@") || e.getMessage().contains("secret"), e.getMessage());
        } else {
            assertTrue(e.getMessage().contains(uri.trim()) || e.getMessage().contains(uri.replace(" ", "%20")),
                    () -> "'" + e.getMessage() + "' should quote the URI");
        }
    }
}
