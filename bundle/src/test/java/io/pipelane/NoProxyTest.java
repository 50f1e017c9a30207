package io.pipelane;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** curl's NO_PROXY syntax, proxy URIs and the choice of a proxy per endpoint. */
class NoProxyTest {

    @Test
    void aNameMatchesItselfAndItsSubdomainsOnly() {
        NoProxy np = NoProxy.parse("example.com");
        assertTrue(np.matches("example.com", 80));
        assertTrue(np.matches("www.example.com", 443));
        assertTrue(np.matches("a.b.example.com", 1));
        assertTrue(np.matches("EXAMPLE.com.", 80), "case-insensitive, trailing dot ignored");
        assertFalse(np.matches("notexample.com", 80));
        assertFalse(np.matches("example.com.evil", 80));
        assertFalse(np.matches("com", 80));
    }

    @Test
    void aLeadingDotMeansTheSame() {
        NoProxy np = NoProxy.parse(".example.com");
        assertTrue(np.matches("example.com", 80));
        assertTrue(np.matches("www.example.com", 80));
        assertFalse(np.matches("badexample.com", 80));
        assertTrue(NoProxy.parse("*.example.com").matches("www.example.com", 80));
    }

    @Test
    void aStarAloneMatchesEverything() {
        assertTrue(NoProxy.parse("*").matches("anything.org", 1));
        assertTrue(NoProxy.parse("foo, *").matches("10.1.2.3", 80));
        assertFalse(NoProxy.parse("*foo").matches("barfoo", 80), "a star is only special alone");
    }

    @Test
    void aCommaListWithSpacesAndEmptyEntries() {
        NoProxy np = NoProxy.parse(" localhost , ,internal.corp,,127.0.0.1 ");
        assertTrue(np.matches("localhost", 8080));
        assertTrue(np.matches("db.internal.corp", 5432));
        assertTrue(np.matches("127.0.0.1", 80));
        assertFalse(np.matches("example.com", 80));
        assertTrue(NoProxy.parse("").isEmpty());
        assertFalse(NoProxy.parse("").matches("localhost", 80));
        assertTrue(NoProxy.none().isEmpty());
    }

    @Test
    void aPortRestrictsTheEntry() {
        NoProxy np = NoProxy.parse("example.com:8080,10.0.0.1:443,[::1]:8443");
        assertTrue(np.matches("example.com", 8080));
        assertTrue(np.matches("api.example.com", 8080));
        assertFalse(np.matches("example.com", 80));
        assertTrue(np.matches("10.0.0.1", 443));
        assertFalse(np.matches("10.0.0.1", 80));
        assertTrue(np.matches("::1", 8443));
        assertTrue(np.matches("[::1]", 8443));
        assertFalse(np.matches("::1", 80));
    }

    @Test
    void ipLiteralsMatchAsAddressesNotAsNames() {
        NoProxy np = NoProxy.parse("127.0.0.1,::1,[2001:db8::1]");
        assertTrue(np.matches("127.0.0.1", 80));
        assertFalse(np.matches("127.0.0.10", 80));
        assertFalse(np.matches("1127.0.0.1", 80));
        assertTrue(np.matches("0:0:0:0:0:0:0:1", 80), "the same IPv6 address written otherwise");
        assertTrue(np.matches("2001:db8:0::1", 80));
        assertFalse(np.matches("localhost", 80), "no name resolution");
        assertFalse(NoProxy.parse("0.1").matches("10.0.0.1", 80), "a name never matches an address");
    }

    @Test
    void cidrBlocks() {
        NoProxy np = NoProxy.parse("10.0.0.0/8,192.168.1.0/25,fd00::/8");
        assertTrue(np.matches("10.255.1.2", 80));
        assertFalse(np.matches("11.0.0.1", 80));
        assertTrue(np.matches("192.168.1.127", 80));
        assertFalse(np.matches("192.168.1.128", 80));
        assertTrue(np.matches("fd12:3456::1", 80));
        assertFalse(np.matches("fe80::1", 80));
        assertFalse(np.matches("ten.example", 80));
    }

    @Test
    void badEntriesAreRefusedWithTheirText() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NoProxy.parse("a.com:99999"));
        assertTrue(e.getMessage().contains("a.com:99999"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NoProxy.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> NoProxy.parse("name/8"));
        assertThrows(IllegalArgumentException.class, () -> NoProxy.parse("[::1"));
    }

    @Test
    void unixEndpointsAreAlwaysDirect() {
        assertTrue(NoProxy.none().matches(Endpoint.unix(java.nio.file.Path.of("/tmp/s"))));
    }

    // ------------------------------------------------------------------------------------------ proxy URIs

    @Test
    void proxyUrisAsCurlWritesThem() {
        ProxyOptions p = ProxyOptions.parse("http://alice:s%3Acret@proxy.example:3128");
        assertEquals(Endpoint.http("proxy.example", 3128), p.address());
        assertEquals("alice", p.user());
        assertEquals("s:cret", p.password());
        assertEquals("Basic YWxpY2U6czpjcmV0", p.proxyHeaders().first("Proxy-Authorization"));
        assertFalse(p.toString().contains("cret"), "toString never shows the password: " + p);
        assertEquals(1080, ProxyOptions.parse("proxy.example").address().port(), "curl's default port");
        assertNull(ProxyOptions.parse("http://p:8080/").user());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProxyOptions.parse("socks5://u:secret@p:1080"));
        assertTrue(e.getMessage().contains("socks5"), e.getMessage());
        assertFalse(e.getMessage().contains("secret"), "errors never show the password: " + e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ProxyOptions.builder(Endpoint.https("p", 1)));
    }

    @Test
    void rulesChooseBySchemeThenDefaultThenDirect() {
        ProxyOptions http = ProxyOptions.of("h", 1);
        ProxyOptions https = ProxyOptions.of("s", 2);
        ProxyOptions all = ProxyOptions.of("a", 3);
        ProxyRules both = ProxyRules.builder().http(http).https(https).all(all).noProxy("localhost,.corp").build();
        assertSame(http, both.select(Endpoint.of("http://example.com")));
        assertSame(https, both.select(Endpoint.of("https://example.com")));
        assertNull(both.select(Endpoint.of("http://localhost:8080")));
        assertNull(both.select(Endpoint.of("https://db.corp")));
        assertNull(both.select(Endpoint.unix(java.nio.file.Path.of("/tmp/s"))));
        ProxyRules onlyAll = ProxyRules.builder().all(all).build();
        assertSame(all, onlyAll.select(Endpoint.of("http://example.com")));
        assertSame(all, onlyAll.select(Endpoint.of("https://example.com")));
        ProxyRules onlyHttps = ProxyRules.builder().https(https).build();
        assertNull(onlyHttps.select(Endpoint.of("http://example.com")));
        assertTrue(ProxyRules.direct().isDirect());
        assertNull(ProxyRules.direct().select(Endpoint.of("http://example.com")));
    }

    @Test
    void rulesFromTheEnvironmentAsCurlReadsThem() {
        ProxyRules r = ProxyRules.fromEnvironment(Map.of("http_proxy", "http://h:1", "HTTPS_PROXY", "s:2",
                "no_proxy", "localhost", "HTTP_PROXY", "http://ignored:9"));
        assertEquals(Endpoint.http("h", 1), r.http().address());
        assertEquals(Endpoint.http("s", 2), r.https().address());
        assertNull(r.all());
        assertNull(r.select(Endpoint.of("http://localhost")));
        assertNull(ProxyRules.fromEnvironment(Map.of("HTTP_PROXY", "http://x:1")).http(),
                "upper-case HTTP_PROXY is not read");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProxyRules.fromEnvironment(Map.of("all_proxy", "ftp://x")));
        assertTrue(e.getMessage().startsWith("all_proxy"), e.getMessage());
    }
}
