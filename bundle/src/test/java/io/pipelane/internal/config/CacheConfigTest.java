package io.pipelane.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipelane.CacheOptions;
import io.pipelane.Endpoint;
import io.pipelane.ProxyOptions;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The cache and proxy keys: read from the defaults and per endpoint, checked, and their secret never shown. */
class CacheConfigTest {
    private static final String SECRET = "s3cr3t-do-not-show";

    private static ConfigSource defaults(Object... kv) {
        return new ConfigSource("io.pipelane", map(kv));
    }

    private static ConfigSource endpoint(String alias, Object... kv) {
        return new ConfigSource("io.pipelane.endpoint~" + alias, map(kv));
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static ConfigModel.Result compute(ConfigSource defaults, ConfigSource... endpoints) {
        return ConfigModel.compute(defaults, List.of(), List.of(endpoints), null);
    }

    @Test
    void cacheKeysFromTheDefaultsWithPerEndpointOverrides() {
        ConfigModel.Result r = compute(
                defaults("keep", "5s", "retry", "1", "parallel", 3, "depth", "10", "waitTimeout", "2s", "reuse", "true"),
                endpoint("a", "uri", "http://127.0.0.1:8080", "parallel", "1", "depth", 2L, "keep", "PT1M"),
                endpoint("b", "uri", "http://127.0.0.1:8081", "reuse", false),
                endpoint("c", "uri", "http://127.0.0.1:8082"));
        assertEquals(List.of(), r.errors());
        assertEquals(List.of(), r.warnings(), "the cache and proxy keys are known keys");
        CacheOptions d = r.cacheDefaults();
        assertEquals(Duration.ofSeconds(5), d.keep());
        assertEquals(1, d.retry());
        assertEquals(3, d.parallel());
        assertEquals(10, d.depth());
        assertEquals(Duration.ofSeconds(2), d.waitTimeout());
        assertTrue(d.reuse());

        CacheOptions a = r.caches().get("a");
        assertEquals(1, a.parallel());
        assertEquals(2, a.depth());
        assertEquals(Duration.ofMinutes(1), a.keep());
        assertEquals(1, a.retry(), "inherited from the defaults");
        assertEquals(Duration.ofSeconds(2), a.waitTimeout(), "inherited from the defaults");
        assertFalse(r.caches().get("b").reuse());
        assertEquals(CacheKeys.describe(d), CacheKeys.describe(r.caches().get("c")));
        assertEquals(Map.of("parallel", "1", "depth", "2", "keep", "PT1M"), r.validEndpoint("a").overrides());
    }

    @Test
    void withoutConfigurationTheCodeDefaultsApply() {
        ConfigModel.Result r = compute(null, endpoint("a", "uri", "http://127.0.0.1:8080"));
        assertEquals(CacheKeys.describe(CacheOptions.defaults()), CacheKeys.describe(r.cacheDefaults()));
        assertTrue(r.cacheDefaults().proxies().isDirect());
        assertNull(r.endpoints().get("a").options().proxy());
    }

    @Test
    void badCacheValuesAreRejectedNamingKeyAndPid() {
        Object[][] bad = {
                {"parallel", "0", "0 is less than 1"}, {"depth", -1, "-1 is less than 1"},
                {"retry", "-1", "-1 is less than 0"}, {"retry", "twice", "'twice' is not a whole number"},
                {"keep", "0", "not a positive duration"}, {"waitTimeout", "soon", "is not a duration"},
                {"reuse", "maybe", "'maybe' is not true or false"}};
        for (Object[] b : bad) {
            String key = (String) b[0];
            ConfigModel.Result r = compute(defaults(key, b[1]), endpoint("a", "uri", "http://127.0.0.1:1"));
            assertEquals(CacheKeys.describe(CacheOptions.defaults()), CacheKeys.describe(r.cacheDefaults()),
                    key + " invalid in the defaults: the built-in defaults stay in force");
            assertEquals("the built-in defaults", r.defaultsInForce());
            assertTrue(r.defaultsError().startsWith("io.pipelane: key '" + key + "': "), r.defaultsError());
            assertTrue(r.defaultsError().contains((String) b[2]), r.defaultsError());
            assertEquals(Set.of("a"), r.endpoints().keySet(), "the endpoints are still offered");

            ConfigModel.Result e = compute(null, endpoint("billing", "uri", "http://127.0.0.1:1", key, b[1]),
                    endpoint("other", "uri", "http://127.0.0.1:2"));
            assertEquals("io.pipelane.endpoint~billing: key '" + key + "': ",
                    e.errorFor("billing").substring(0, ("io.pipelane.endpoint~billing: key '" + key + "': ").length()));
            assertFalse(e.endpoints().containsKey("billing"));
            assertFalse(e.caches().containsKey("billing"));
            assertTrue(e.endpoints().containsKey("other"), "another endpoint is not harmed");
        }
    }

    @Test
    void theDefaultsProxyAppliesToEveryEndpointExceptTheExceptions() {
        ConfigModel.Result r = compute(
                defaults("proxy.host", "proxy.example", "proxy.port", "3128", "proxy.user", "app",
                        "proxy.password", SECRET, "proxy.exceptions", "localhost, .internal.example, 10.0.0.0/8"),
                endpoint("far", "uri", "https://api.example.com"),
                endpoint("near", "uri", "http://db.internal.example:8080"),
                endpoint("ten", "uri", "http://10.1.2.3:80"),
                endpoint("sock", "uri", "unix:/run/app.sock"));
        assertEquals(List.of(), r.errors());
        ProxyOptions p = r.endpoints().get("far").options().proxy();
        assertNotNull(p);
        assertEquals(Endpoint.http("proxy.example", 3128), p.address());
        assertEquals("app", p.user());
        assertEquals(SECRET, p.password());
        assertNull(r.endpoints().get("near").options().proxy(), "a name below .internal.example goes direct");
        assertNull(r.endpoints().get("ten").options().proxy(), "an address in 10.0.0.0/8 goes direct");
        assertNull(r.endpoints().get("sock").options().proxy(), "a Unix socket goes direct");
        assertNull(r.defaults().proxy(), "ConnectionFactory.defaultOptions() names no proxy: it depends on the endpoint");
        // Endpoints given as URIs to the cache: the same rules.
        assertEquals(p, r.cacheDefaults().proxies().select(Endpoint.of("http://www.example.org")));
        assertNull(r.cacheDefaults().proxies().select(Endpoint.of("http://localhost:8080")));
    }

    @Test
    void exceptionsAcceptAStringAnArrayOrACollection() {
        for (Object exceptions : new Object[] {"a.example, b.example", new String[] {"a.example", "b.example"},
                List.of("a.example,", " b.example")}) {
            ConfigModel.Result r = compute(defaults("proxy.host", "127.0.0.1", "proxy.port", 3128,
                    "proxy.exceptions", exceptions),
                    endpoint("a", "uri", "http://www.a.example"), endpoint("b", "uri", "http://b.example"),
                    endpoint("c", "uri", "http://c.example"));
            assertEquals(List.of(), r.errors());
            assertNull(r.endpoints().get("a").options().proxy());
            assertNull(r.endpoints().get("b").options().proxy());
            assertNotNull(r.endpoints().get("c").options().proxy());
        }
    }

    @Test
    void anEndpointOverridesTheProxyWholeAndItsExceptions() {
        ConfigSource d = defaults("proxy.host", "proxy.example", "proxy.port", "3128", "proxy.user", "app",
                "proxy.password", SECRET);
        ConfigModel.Result r = compute(d,
                endpoint("own", "uri", "http://a.example", "proxy.host", "other-proxy.example", "proxy.port", "8080"),
                endpoint("direct", "uri", "http://b.example", "proxy.exceptions", "*"),
                endpoint("inherits", "uri", "http://c.example", "keep", "1s"));
        assertEquals(List.of(), r.errors());
        ProxyOptions own = r.endpoints().get("own").options().proxy();
        assertEquals(Endpoint.http("other-proxy.example", 8080), own.address());
        assertNull(own.user(), "the defaults' credentials never go to another proxy");
        assertNull(own.password());
        assertNull(r.endpoints().get("direct").options().proxy());
        assertEquals("proxy.example", r.endpoints().get("inherits").options().proxy().address().host());
    }

    @Test
    void badProxyValuesAreRejectedNamingTheKey() {
        Object[][] bad = {
                {new Object[] {"proxy.port", "3128"}, "proxy.host", "missing, but proxy.port is set"},
                {new Object[] {"proxy.user", "u", "proxy.password", "x"}, "proxy.host", "missing, but proxy.user"},
                {new Object[] {"proxy.host", "p.example"}, "proxy.port", "missing"},
                {new Object[] {"proxy.host", "p.example", "proxy.port", "70000"}, "proxy.port", "more than 65535"},
                {new Object[] {"proxy.host", "p.example", "proxy.port", "0"}, "proxy.port", "less than 1"},
                {new Object[] {"proxy.host", "p.example", "proxy.port", "x"}, "proxy.port", "not a whole number"},
                {new Object[] {"proxy.host", "http://p.example:3128", "proxy.port", "3128"}, "proxy.host",
                        "is not a host name"},
                {new Object[] {"proxy.host", "p.example", "proxy.port", "1", "proxy.password", "x"}, "proxy.password",
                        "set without proxy.user"},
                {new Object[] {"proxy.host", "p.example", "proxy.port", "1", "proxy.user", "a:b"}, "proxy.user",
                        "must not contain ':'"},
                {new Object[] {"proxy.exceptions", "10.0.0.0/99"}, "proxy.exceptions", ""},
                {new Object[] {"proxy.tunnel", "maybe"}, "proxy.tunnel", "'maybe' is not true or false"}};
        for (Object[] b : bad) {
            Object[] kv = (Object[]) b[0];
            String key = (String) b[1];
            ConfigModel.Result r = compute(defaults(kv));
            assertNotNull(r.defaultsError(), key);
            assertTrue(r.defaultsError().startsWith("io.pipelane: key '" + key + "': "), r.defaultsError());
            assertTrue(r.defaultsError().contains((String) b[2]), r.defaultsError());

            Object[] withUri = new Object[kv.length + 2];
            System.arraycopy(kv, 0, withUri, 0, kv.length);
            withUri[kv.length] = "uri";
            withUri[kv.length + 1] = "http://a.example";
            ConfigModel.Result e = compute(null, endpoint("billing", withUri));
            String error = e.errorFor("billing");
            assertNotNull(error, key);
            assertTrue(error.startsWith("io.pipelane.endpoint~billing: key '" + key + "': "), error);
        }
    }

    @Test
    void theProxyPasswordIsNeverShown() {
        ConfigSource d = defaults("proxy.host", "proxy.example", "proxy.port", "3128", "proxy.user", "app",
                "proxy.password", SECRET, "proxy.bogus", "x");
        ConfigModel.Result r = compute(d,
                endpoint("a", "uri", "http://a.example", "proxy.host", "p2.example", "proxy.port", "1",
                        "proxy.user", "u", "proxy.password", SECRET),
                endpoint("bad", "uri", "http://b.example", "proxy.host", "p3.example", "proxy.port", "99999",
                        "proxy.user", "u", "proxy.password", SECRET),
                endpoint("user-at", "uri", "http://c.example", "proxy.host", "u:" + SECRET + "@p.example",
                        "proxy.port", "1"));
        StringBuilder everything = new StringBuilder();
        everything.append(r.errors()).append(r.warnings()).append(r.proxyDefaults()).append(r.cacheDefaults())
                .append(r.proxyDefaults().describe());
        for (ConfigModel.EndpointStatus s : r.endpointStatus()) {
            everything.append(s).append(s.overrides()).append(s.options()).append(s.cache());
            if (s.proxy() != null) everything.append(s.proxy().describe());
        }
        assertFalse(everything.toString().contains(SECRET), everything.toString());
        assertTrue(everything.toString().contains("proxy.password=" + CacheKeys.MASK), everything.toString());
        assertEquals(2, r.errors().size(), r.errors().toString());
        assertEquals(SECRET, r.endpoints().get("a").options().proxy().password(), "the secret is used, not shown");
    }

    @Test
    void aPasswordMayArriveAsCharacters() {
        ConfigModel.Result r = compute(defaults("proxy.host", "p.example", "proxy.port", 3128L, "proxy.user", "u",
                "proxy.password", SECRET.toCharArray()), endpoint("a", "uri", "http://a.example"));
        assertEquals(List.of(), r.errors());
        assertEquals(SECRET, r.endpoints().get("a").options().proxy().password());
    }

    @Test
    void sameConnectionsTellsWhichEndpointsMustRenewTheirConnections() {
        ConfigSource d = defaults("proxy.host", "p.example", "proxy.port", "3128");
        ConfigModel.Result before = compute(d, endpoint("a", "uri", "http://a.example"),
                endpoint("b", "uri", "http://b.example"), endpoint("c", "uri", "http://c.example"));
        ConfigModel.Result after = compute(d, endpoint("a", "uri", "http://a.example", "parallel", "1"),
                endpoint("b", "uri", "http://b.example", "proxy.exceptions", "b.example"),
                endpoint("c", "uri", "http://c.example:8080"));
        assertTrue(after.sameConnections("a", before), "a cache option alone does not renew connections");
        assertFalse(after.sameConnections("b", before), "the proxy changed");
        assertFalse(after.sameConnections("c", before), "the URI changed");
        ConfigModel.Result newPassword = compute(defaults("proxy.host", "p.example", "proxy.port", "3128",
                "proxy.user", "u", "proxy.password", "one"), endpoint("a", "uri", "http://a.example"));
        ConfigModel.Result otherPassword = compute(defaults("proxy.host", "p.example", "proxy.port", "3128",
                "proxy.user", "u", "proxy.password", "two"), endpoint("a", "uri", "http://a.example"));
        assertFalse(otherPassword.sameConnections("a", newPassword), "the proxy password changed");
        assertFalse(compute(d).sameConnections("a", before), "a deleted endpoint");
    }

    @Test
    void proxyTunnelFromTheDefaultsAppliesToEveryProxyUnlessAnEndpointSetsIt() {
        ConfigModel.Result r = compute(
                defaults("proxy.host", "proxy.example", "proxy.port", "3128", "proxy.user", "app",
                        "proxy.password", SECRET, "proxy.tunnel", "true"),
                endpoint("inherits", "uri", "http://a.example"),
                endpoint("forwarded", "uri", "http://b.example", "proxy.tunnel", false),
                endpoint("own", "uri", "http://c.example", "proxy.host", "other-proxy.example", "proxy.port", "8080"),
                endpoint("ownForwarded", "uri", "http://d.example", "proxy.host", "other-proxy.example",
                        "proxy.port", "8080", "proxy.tunnel", "FALSE"));
        assertEquals(List.of(), r.errors());
        assertEquals(List.of(), r.warnings(), "proxy.tunnel is a known key");
        ProxyOptions inherits = r.endpoints().get("inherits").options().proxy();
        assertTrue(inherits.tunnel());
        assertTrue(inherits.tunnels(Endpoint.of("http://a.example")), "an http endpoint goes through CONNECT");
        assertEquals(SECRET, inherits.password());
        assertTrue(r.cacheDefaults().proxies().select(Endpoint.of("http://www.example.org")).tunnel(),
                "endpoints given as URIs to the cache: the same proxy, tunnelling");

        ProxyOptions forwarded = r.endpoints().get("forwarded").options().proxy();
        assertFalse(forwarded.tunnel());
        assertEquals(Endpoint.http("proxy.example", 3128), forwarded.address(),
                "proxy.tunnel is not part of the whole proxy: setting it alone keeps the defaults' proxy");
        assertEquals(SECRET, forwarded.password());
        assertEquals(inherits, forwarded.toBuilder().tunnel(true).build(), "nothing else differs");

        ProxyOptions own = r.endpoints().get("own").options().proxy();
        assertEquals(Endpoint.http("other-proxy.example", 8080), own.address());
        assertNull(own.password(), "the whole-proxy rule still keeps the defaults' credentials away");
        assertTrue(own.tunnel(), "inherited, like proxy.exceptions");
        assertFalse(r.endpoints().get("ownForwarded").options().proxy().tunnel());

        assertEquals("true", r.proxyDefaults().describe().get("proxy.tunnel"));
        assertEquals(Map.of("proxy.tunnel", "false"), r.validEndpoint("forwarded").overrides());
    }

    @Test
    void proxyTunnelIsOffByDefaultAndMayBeSetOnOneEndpointOnly() {
        ConfigModel.Result r = compute(defaults("proxy.host", "127.0.0.1", "proxy.port", 3128),
                endpoint("plain", "uri", "http://a.example"),
                endpoint("tunnelled", "uri", "http://b.example", "proxy.tunnel", Boolean.TRUE),
                endpoint("noProxy", "uri", "http://c.example", "proxy.tunnel", "true", "proxy.exceptions", "*"));
        assertEquals(List.of(), r.errors());
        assertFalse(r.endpoints().get("plain").options().proxy().tunnel());
        assertFalse(r.cacheDefaults().proxies().select(Endpoint.of("http://x.example")).tunnel());
        assertTrue(r.endpoints().get("tunnelled").options().proxy().tunnel());
        assertNull(r.endpoints().get("noProxy").options().proxy(), "without a proxy, proxy.tunnel has no effect");
        assertFalse(r.proxyDefaults().describe().containsKey("proxy.tunnel"));

        ConfigModel.Result onlyTunnel = compute(defaults("proxy.tunnel", "true"), endpoint("a", "uri", "http://a.example"),
                endpoint("own", "uri", "http://b.example", "proxy.host", "127.0.0.1", "proxy.port", "1"));
        assertEquals(List.of(), onlyTunnel.errors(), "proxy.tunnel alone is no proxy and no error");
        assertNull(onlyTunnel.endpoints().get("a").options().proxy());
        assertTrue(onlyTunnel.endpoints().get("own").options().proxy().tunnel(),
                "the defaults' proxy.tunnel applies to an endpoint's own proxy");
    }

    @Test
    void changingProxyTunnelRenewsTheConnections() {
        ConfigModel.Result before = compute(defaults("proxy.host", "p.example", "proxy.port", "3128"),
                endpoint("a", "uri", "http://a.example"), endpoint("b", "uri", "http://b.example"));
        ConfigModel.Result after = compute(defaults("proxy.host", "p.example", "proxy.port", "3128"),
                endpoint("a", "uri", "http://a.example", "proxy.tunnel", "true"),
                endpoint("b", "uri", "http://b.example", "proxy.tunnel", "false"));
        assertFalse(after.sameConnections("a", before), "forwarded before, tunnelled now");
        assertTrue(after.sameConnections("b", before), "false is the default: nothing changed");
    }
}
