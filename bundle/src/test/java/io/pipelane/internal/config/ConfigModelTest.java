package io.pipelane.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipelane.ConnectionOptions;
import io.pipelane.Persistence;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ConfigModelTest {

    private static ConfigSource endpoint(String alias, Map<String, ?> props) {
        return new ConfigSource("io.pipelane.endpoint~" + alias, props);
    }

    private static ConfigModel.Result compute(ConfigSource defaults, List<ConfigSource> tls, List<ConfigSource> endpoints) {
        return ConfigModel.compute(defaults, tls, endpoints, null);
    }

    @Test
    void durationsInEveryAcceptedForm() {
        Map<String, Object> p = new HashMap<>();
        p.put("a", "10s");
        p.put("b", "500ms");
        p.put("c", "2m");
        p.put("d", "PT10S");
        p.put("e", "1500");
        p.put("f", 250L);
        p.put("g", " 1h ");
        ConfigValues v = new ConfigValues("io.pipelane", p);
        assertEquals(Duration.ofSeconds(10), v.duration("a"));
        assertEquals(Duration.ofMillis(500), v.duration("b"));
        assertEquals(Duration.ofMinutes(2), v.duration("c"));
        assertEquals(Duration.ofSeconds(10), v.duration("d"));
        assertEquals(Duration.ofMillis(1500), v.duration("e"));
        assertEquals(Duration.ofMillis(250), v.duration("f"));
        assertEquals(Duration.ofHours(1), v.duration("g"));
    }

    @Test
    void badDurationsAreRejectedNamingKeyAndPid() {
        for (String bad : new String[] {"-5s", "0", "ten", "10 parsecs", "PT-1S"}) {
            ConfigValues v = new ConfigValues("io.pipelane", Map.of("connectTimeout", bad));
            ConfigException e = assertThrows(ConfigException.class,
                    () -> OptionKeys.apply(ConnectionOptions.defaults(), v), bad);
            assertEquals("connectTimeout", e.key());
            assertTrue(e.getMessage().startsWith("io.pipelane: key 'connectTimeout': "), e.getMessage());
        }
    }

    @Test
    void multiValuedKeysAcceptStringArrayAndCollectionAndSplitCommas() {
        assertEquals(List.of("a", "b", "c"), new ConfigValues("x", Map.of("k", " a, b ,c")).list("k"));
        assertEquals(List.of("a", "b", "c"), new ConfigValues("x", Map.of("k", new String[] {"a,b", "c"})).list("k"));
        assertEquals(List.of("a", "b", "c"), new ConfigValues("x", Map.of("k", List.of("a", "b, c"))).list("k"));
        assertEquals(List.of(), new ConfigValues("x", Map.of("k", "")).list("k"));
    }

    @Test
    void defaultsApplyAndEndpointsOverrideThem() {
        ConfigSource defaults = new ConfigSource("io.pipelane", Map.of("persistence", "true", "maxPipelineDepth", "8",
                "responseTimeout", "5s"));
        ConfigModel.Result r = compute(defaults, List.of(), List.of(
                endpoint("billing", Map.of("uri", "http://127.0.0.1:8080", "maxPipelineDepth", 2)),
                endpoint("plain", Map.of("name", "other", "uri", "unix:/run/app.sock"))));
        assertEquals(List.of(), r.errors());
        assertEquals(Persistence.TRUE, r.defaults().persistence());
        assertEquals(Set.of("billing", "other"), r.endpoints().keySet());
        ConnectionOptions billing = r.endpoints().get("billing").options();
        assertEquals(2, billing.maxPipelineDepth());
        assertEquals(Persistence.TRUE, billing.persistence());
        assertEquals(Duration.ofSeconds(5), billing.responseTimeout());
        assertEquals(8, r.endpoints().get("other").options().maxPipelineDepth());
    }

    @Test
    void valuesWithLineBreaksCannotForgeALogLine() {
        // PipelaneCore logs every error and warning as one line: a value with CR or LF would start a forged one.
        String forged = "\nERROR: forged line\r\n";
        ConfigModel.Result r = compute(new ConfigSource("io.pipelane", Map.of("persistence", "yes" + forged)),
                List.of(), List.of(
                        endpoint("uri", Map.of("uri", "http://h" + forged)),
                        endpoint("proxy", Map.of("uri", "http://h", "proxy.host", "p" + forged, "proxy.port", "1")),
                        endpoint("tls", Map.of("uri", "https://h", "tls", "t" + forged)),
                        endpoint("timeout", Map.of("uri", "http://h", "writeTimeout", "1s" + forged)),
                        endpoint("unknown", Map.of("uri", "http://h", "x" + forged, "1"))));
        List<String> lines = new java.util.ArrayList<>(r.errors());
        lines.addAll(r.warnings());
        assertTrue(lines.size() >= 5, lines.toString());
        for (String line : lines) {
            assertFalse(line.contains("\n") || line.contains("\r"), line);
            assertTrue(line.contains("\\x0AERROR: forged line") || !line.contains("forged"), line);
        }
    }

    @Test
    void theNameDefaultsToTheAliasOfAFileInstallFile() {
        ConfigSource s = new ConfigSource("io.pipelane.endpoint.4a1b", Map.of("uri", "http://h",
                "service.factoryPid", "io.pipelane.endpoint",
                "felix.fileinstall.filename", "file:/opt/karaf/etc/io.pipelane.endpoint-billing.cfg"));
        assertEquals("billing", s.alias());
        assertEquals("io.pipelane.endpoint.4a1b (io.pipelane.endpoint-billing.cfg)", s.label());
        assertEquals(Set.of("billing"), compute(null, List.of(), List.of(s)).endpoints().keySet());
    }

    @Test
    void anInvalidEndpointIsNotOfferedAndItsErrorNamesKeyAndPid() {
        ConfigModel.Result r = compute(null, List.of(), List.of(
                endpoint("good", Map.of("uri", "http://127.0.0.1:1")),
                endpoint("baduri", Map.of("uri", "ftp://example.com")),
                endpoint("negative", Map.of("uri", "http://h", "writeTimeout", "-1s")),
                endpoint("notls", Map.of("uri", "https://h", "tls", "missing")),
                endpoint("nouri", Map.of())));
        assertEquals(Set.of("good"), r.endpoints().keySet());
        assertTrue(r.errorFor("baduri").startsWith("io.pipelane.endpoint~baduri: key 'uri': "), r.errorFor("baduri"));
        assertTrue(r.errorFor("negative").startsWith("io.pipelane.endpoint~negative: key 'writeTimeout': "));
        assertTrue(r.errorFor("notls").contains("key 'tls': no TLS context named 'missing'"), r.errorFor("notls"));
        assertTrue(r.errorFor("nouri").contains("key 'uri': missing"), r.errorFor("nouri"));
        assertNull(r.errorFor("good"));
        assertEquals(4, r.errors().size());
    }

    @Test
    void invalidDefaultsKeepTheLastValidOnesInForce() {
        ConfigSource valid = new ConfigSource("io.pipelane", Map.of("maxPipelineDepth", "7", "proxy.host", "proxy",
                "proxy.port", "3128"));
        ConfigSource bad = new ConfigSource("io.pipelane", Map.of("maxPipelineDepth", "0", "keep", "5s"));
        ConfigModel.Result r = ConfigModel.compute(bad, valid, List.of(),
                List.of(endpoint("a", Map.of("uri", "http://h"))), null);
        assertTrue(r.defaultsError().startsWith("io.pipelane: key 'maxPipelineDepth': "), r.defaultsError());
        assertEquals("the last valid io.pipelane", r.defaultsInForce());
        assertEquals(7, r.defaults().maxPipelineDepth(), "the last valid defaults, whole");
        assertEquals(java.time.Duration.ofSeconds(60), r.cacheDefaults().keep(), "nothing of the bad one");
        assertEquals("proxy", r.proxyDefaults().proxy().address().host());
        assertEquals(Set.of("a"), r.endpoints().keySet(), "endpoints are still offered");
        assertEquals(7, r.endpoints().get("a").options().maxPipelineDepth());
        assertNull(r.errorFor("a"));
        assertEquals(List.of(r.defaultsError()), r.errors());
    }

    @Test
    void theFirstDefaultsBeingInvalidFallBackToTheBuiltInOnes() {
        ConfigModel.Result r = compute(new ConfigSource("io.pipelane", Map.of("maxPipelineDepth", "0")), List.of(),
                List.of(endpoint("a", Map.of("uri", "http://h"))));
        assertEquals("the built-in defaults", r.defaultsInForce());
        assertEquals(io.pipelane.internal.config.OptionKeys.describe(io.pipelane.ConnectionOptions.defaults()),
                io.pipelane.internal.config.OptionKeys.describe(r.defaults()));
        assertEquals(Set.of("a"), r.endpoints().keySet());
    }

    @Test
    void aConfigurationThatThrowsAnythingDisablesOnlyItself() {
        ConfigModel.Result r = compute(null,
                List.of(new ConfigSource("io.pipelane.tls~badpath", Map.of("name", "badpath",
                        "truststore", "/tmp/nul\0char.p12"))),
                List.of(endpoint("twonames", Map.of("name", new String[] {"x", "y"}, "uri", "http://h")),
                        endpoint("listname", Map.of("name", List.of("p", "q"), "uri", "http://h")),
                        endpoint("secure", Map.of("uri", "https://h", "tls", "badpath")),
                        endpoint("good", Map.of("uri", "http://h"))));
        assertEquals(Set.of("good"), r.endpoints().keySet(), "every valid endpoint is still offered");
        List<String> errors = r.errors();
        assertEquals(4, errors.size(), errors.toString());
        assertTrue(errors.contains("io.pipelane.endpoint~twonames: key 'name': expected one value, got 2"),
                errors.toString());
        assertTrue(errors.contains("io.pipelane.endpoint~listname: key 'name': expected one value, got 2"),
                errors.toString());
        ConfigModel.TlsStatus tls = r.tlsStatus().get(0);
        assertTrue(tls.error().startsWith("io.pipelane.tls~badpath: key 'truststore': "), tls.error());
        assertTrue(r.errorFor("secure").contains("TLS context 'badpath' is invalid"), r.errorFor("secure"));
    }

    @Test
    void twoEndpointsWithOneNameAreBothRefused() {
        ConfigModel.Result r = compute(null, List.of(), List.of(
                endpoint("x", Map.of("name", "same", "uri", "http://a")),
                endpoint("y", Map.of("name", "same", "uri", "http://b"))));
        assertTrue(r.endpoints().isEmpty());
        assertEquals(2, r.errors().size());
        assertTrue(r.errors().get(0).contains("is also the name of io.pipelane.endpoint~y"), r.errors().get(0));
    }

    @Test
    void unknownKeysAreWarnedAbout() {
        ConfigModel.Result r = compute(null, List.of(), List.of(endpoint("a", Map.of("uri", "http://h",
                "conectTimeout", "1s", "service.pid", "io.pipelane.endpoint~a"))));
        assertEquals(Set.of("a"), r.endpoints().keySet());
        assertEquals(List.of("io.pipelane.endpoint~a: key 'conectTimeout' is not a Pipelane key and is ignored"),
                r.warnings());
    }

    @Test
    void anUnreadableTrustStoreInvalidatesTheContextAndItsEndpointsWithoutShowingThePassword() {
        ConfigSource tls = new ConfigSource("io.pipelane.tls~secure", Map.of("truststore", "/nonexistent/trust.p12",
                "truststore.password", "s3cr3t-value"));
        ConfigModel.Result r = compute(null, List.of(tls), List.of(
                endpoint("api", Map.of("uri", "https://127.0.0.1:8443", "tls", "secure"))));
        assertTrue(r.endpoints().isEmpty());
        ConfigModel.TlsStatus t = r.tlsStatus().get(0);
        assertFalse(t.valid());
        assertTrue(t.error().startsWith("io.pipelane.tls~secure: key 'truststore': cannot read the file"), t.error());
        assertTrue(r.errorFor("api").contains("key 'tls': TLS context 'secure' is invalid"), r.errorFor("api"));
        assertEquals(CacheKeys.MASK, t.settings().get("truststore.password"));
        for (String line : r.errors()) assertFalse(line.contains("s3cr3t"), line);
        assertFalse(t.toString().contains("s3cr3t"));
    }

    @Test
    void tlsWithoutTrustStoreUsesTheJdkTrustAndChecksProtocols() {
        ConfigModel.Result ok = compute(null, List.of(new ConfigSource("io.pipelane.tls~jdk",
                Map.of("protocols", "TLSv1.3,TLSv1.2"))), List.of(
                endpoint("api", Map.of("uri", "https://example.com", "tls", "jdk"))));
        assertEquals(List.of(), ok.errors());
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), ok.endpoints().get("api").options().tls().protocols());
        assertTrue(ok.endpoints().get("api").options().tls().hostnameVerification());

        ConfigModel.Result bad = compute(null, List.of(new ConfigSource("io.pipelane.tls~jdk",
                Map.of("protocols", "SSLv1", "hostnameVerification", "false"))), List.of());
        assertTrue(bad.tlsStatus().get(0).error().contains("key 'protocols': 'SSLv1' is not supported"),
                bad.tlsStatus().get(0).error());
    }

    @Test
    void anUnknownStoreTypeNamesItsKey() {
        ConfigModel.Result r = compute(null, List.of(new ConfigSource("io.pipelane.tls~t",
                Map.of("truststore", "pom.xml", "truststore.type", "BKS"))), List.of());
        assertTrue(r.tlsStatus().get(0).error().contains("key 'truststore.type': 'BKS' is not one of"),
                r.tlsStatus().get(0).error());
    }

    private static void writeTrustStore(java.nio.file.Path file, String password) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(file)) {
            ks.store(out, password.toCharArray());
        }
    }

    @Test
    void changingOnlyATlsPasswordRenewsTheConnectionsWithoutShowingIt(@org.junit.jupiter.api.io.TempDir
                                                                        java.nio.file.Path dir) throws Exception {
        java.nio.file.Path store = dir.resolve("trust.p12");
        List<ConfigSource> api = List.of(endpoint("api", Map.of("uri", "https://127.0.0.1:8443", "tls", "secure")));
        writeTrustStore(store, "first-s3cr3t");
        ConfigModel.Result before = compute(null, List.of(new ConfigSource("io.pipelane.tls~secure",
                Map.of("truststore", store.toString(), "truststore.password", "first-s3cr3t"))), api);
        assertEquals(List.of(), before.errors());
        ConfigModel.Result same = compute(null, List.of(new ConfigSource("io.pipelane.tls~secure",
                Map.of("truststore", store.toString(), "truststore.password", "first-s3cr3t".toCharArray()))), api);
        assertTrue(same.sameConnections("api", before), "the same password (as a String or as characters)");

        // The store is rewritten with a new password, at the same path: only the password key changes.
        writeTrustStore(store, "second-s3cr3t");
        ConfigModel.Result after = compute(null, List.of(new ConfigSource("io.pipelane.tls~secure",
                Map.of("truststore", store.toString(), "truststore.password", "second-s3cr3t"))), api);
        assertEquals(List.of(), after.errors());
        assertEquals(before.tlsStatus().get(0).settings(), after.tlsStatus().get(0).settings(),
                "what is shown does not change: the password is masked");
        assertFalse(after.sameConnections("api", before), "a new password renews the connections");
        assertTrue(after.sameConnections("api", after));

        ConfigModel.TlsStatus t = after.tlsStatus().get(0);
        assertEquals("SecretDigest[****]", t.secrets().toString());
        for (String shown : List.of(t.toString(), after.toString(), after.errors().toString())) {
            assertFalse(shown.contains("s3cr3t"), shown);
        }
    }

    @Test
    void theSecretDigestChangesWithEverySecretAndOnlyWithThem() {
        Set<String> keys = TlsConfig.SECRETS;
        SecretDigest none = SecretDigest.of(new ConfigValues("t", Map.of()), keys);
        SecretDigest a = SecretDigest.of(new ConfigValues("t", Map.of("keystore.password", "a")), keys);
        assertEquals(a, SecretDigest.of(new ConfigValues("t", Map.of("keystore.password", "a", "keystore", "x")), keys));
        assertEquals(a, SecretDigest.of(new ConfigValues("t", Map.of("keystore.password", "a".toCharArray())), keys));
        assertFalse(a.equals(none));
        assertFalse(a.equals(SecretDigest.of(new ConfigValues("t", Map.of("keystore.password", "b")), keys)));
        assertFalse(a.equals(SecretDigest.of(new ConfigValues("t", Map.of("key.password", "a")), keys)),
                "the same value under another key");
        assertFalse(none.equals(SecretDigest.of(new ConfigValues("t", Map.of("key.password", "")), keys)),
                "an empty password is not an absent one");
        assertFalse(SecretDigest.of(new ConfigValues("t", Map.of("key.password", "ab", "keystore.password", "c")), keys)
                .equals(SecretDigest.of(new ConfigValues("t", Map.of("key.password", "a", "keystore.password", "bc")),
                        keys)), "values are not simply concatenated");
    }
}
