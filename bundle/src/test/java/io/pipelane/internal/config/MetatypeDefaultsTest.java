package io.pipelane.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipelane.CacheOptions;
import io.pipelane.ConnectionOptions;
import io.pipelane.ProxyOptions;
import io.pipelane.TlsOptions;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The metatype that Karaf's config:meta and the Felix web console show (the XML bnd generated into
 * target/classes) must agree with the code: same keys, same defaults.
 */
class MetatypeDefaultsTest {
    private static final Path METATYPE = Path.of("target/classes/OSGI-INF/metatype");

    /** AD id -> default (null when the AD has none). */
    private static Map<String, String> attributes(String pid) throws Exception {
        Path file = METATYPE.resolve(pid + ".xml");
        assertTrue(Files.isRegularFile(file), "bnd generates " + file);
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        NodeList ads = doc.getElementsByTagName("AD");
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < ads.getLength(); i++) {
            Element ad = (Element) ads.item(i);
            out.put(ad.getAttribute("id"), ad.hasAttribute("default") ? ad.getAttribute("default") : null);
        }
        return out;
    }

    @Test
    void defaultsOfTheMetatypeEqualTheCodeDefaults() throws Exception {
        Map<String, String> ads = attributes("io.pipelane");
        ConnectionOptions code = ConnectionOptions.defaults();
        // Start from options that differ from the defaults everywhere, so a missing key cannot pass unnoticed.
        ConnectionOptions different = ConnectionOptions.builder()
                .persistence(io.pipelane.Persistence.FALSE)
                .connectTimeout(Duration.ofMillis(1)).handshakeTimeout(Duration.ofMillis(1))
                .responseTimeout(Duration.ofMillis(1)).idleReadTimeout(Duration.ofMillis(1))
                .writeTimeout(Duration.ofMillis(1)).bodyReadTimeout(Duration.ofMillis(1))
                .maxPipelineDepth(7).maxBytesInFlight(7).pipelineAfterNonIdempotent(true)
                .maxResponseHeadBytes(77).maxHeaderCount(7).maxChunkLineBytes(9).maxBufferedBodyBytes(7)
                .maxBufferedRequestBodyBytes(7).build();
        Map<String, String> defaults = new LinkedHashMap<>();
        for (String key : OptionKeys.keys()) {
            assertTrue(ads.containsKey(key), "io.pipelane metatype describes " + key);
            assertNotNull(ads.get(key), "io.pipelane metatype gives a default for " + key);
            defaults.put(key, ads.get(key));
        }
        ConnectionOptions fromMetatype = OptionKeys.apply(different, new ConfigValues("metatype", defaults));
        for (String key : OptionKeys.keys()) {
            Method accessor = ConnectionOptions.class.getMethod(key);
            assertEquals(accessor.invoke(code), accessor.invoke(fromMetatype),
                    "metatype default of " + key + " (" + ads.get(key) + ")");
        }
        assertEquals(OptionKeys.describe(code), OptionKeys.describe(fromMetatype));
        assertEquals("", ads.get(OptionKeys.EXECUTOR_TARGET.key()), "executor.target is empty by default");
        Set<String> expected = new TreeSet<>(OptionKeys.keys());
        expected.add(OptionKeys.EXECUTOR_TARGET.key());
        expected.addAll(CacheKeys.keys());
        assertEquals(expected, new TreeSet<>(ads.keySet()), "no metatype key without code behind it");
    }

    @Test
    void cacheDefaultsOfTheMetatypeEqualTheCodeDefaults() throws Exception {
        Map<String, String> ads = attributes("io.pipelane");
        CacheOptions different = CacheOptions.builder().keep(Duration.ofMillis(1)).retry(7).parallel(7).depth(7)
                .waitTimeout(Duration.ofMillis(1)).reuse(false).build();
        Map<String, String> defaults = new LinkedHashMap<>();
        for (String key : CacheKeys.cacheKeys()) {
            assertTrue(ads.containsKey(key), "io.pipelane metatype describes " + key);
            assertNotNull(ads.get(key), "io.pipelane metatype gives a default for " + key);
            defaults.put(key, ads.get(key));
        }
        CacheOptions fromMetatype = CacheKeys.apply(different, new ConfigValues("metatype", defaults));
        assertEquals(CacheKeys.describe(CacheOptions.defaults()), CacheKeys.describe(fromMetatype));
        for (String key : CacheKeys.cacheKeys()) {
            Method accessor = CacheOptions.class.getMethod(key);
            assertEquals(accessor.invoke(CacheOptions.defaults()), accessor.invoke(fromMetatype),
                    "metatype default of " + key + " (" + ads.get(key) + ")");
        }
        // The code's default is no proxy: no proxy key has a metatype default (a port alone would be an error),
        // except proxy.tunnel, whose default is ProxyOptions' own and is no proxy by itself.
        for (String key : CacheKeys.proxyKeys()) {
            assertTrue(ads.containsKey(key), "io.pipelane metatype describes " + key);
            if (!key.equals(CacheKeys.PROXY_TUNNEL)) assertNull(ads.get(key), "no default for " + key);
        }
        ProxyOptions codeProxy = ProxyOptions.of("127.0.0.1", 3128);
        assertEquals(String.valueOf(codeProxy.tunnel()), ads.get(CacheKeys.PROXY_TUNNEL),
                "metatype default of proxy.tunnel");
        assertEquals("Boolean", types("io.pipelane").get(CacheKeys.PROXY_TUNNEL));
        // Applied over a proxy that tunnels, the metatype default gives the code's proxy.
        CacheKeys.ProxyConfig tunnelling = new CacheKeys.ProxyConfig(codeProxy.toBuilder().tunnel(!codeProxy.tunnel())
                .build(), io.pipelane.NoProxy.none());
        assertEquals(codeProxy, CacheKeys.proxy(new ConfigValues("metatype",
                Map.of(CacheKeys.PROXY_TUNNEL, ads.get(CacheKeys.PROXY_TUNNEL))), tunnelling).proxy());
        Map<String, String> defaultsOnly = new LinkedHashMap<>();
        for (String key : CacheKeys.proxyKeys()) if (ads.get(key) != null) defaultsOnly.put(key, ads.get(key));
        assertTrue(CacheKeys.proxy(new ConfigValues("metatype", defaultsOnly), null).rules().isDirect(),
                "the metatype defaults alone give no proxy");
        assertTrue(CacheKeys.proxy(new ConfigValues("metatype", Map.of()), null).rules().isDirect());
        assertEquals("Password", types("io.pipelane").get(CacheKeys.PROXY_PASSWORD));
        assertEquals("Integer", types("io.pipelane").get(CacheKeys.PROXY_PORT));
    }

    @Test
    void everyCacheBuilderOptionIsAConfigurationKey() {
        Set<String> settable = new TreeSet<>();
        for (Method m : CacheOptions.Builder.class.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 1
                    && m.getReturnType() == CacheOptions.Builder.class) {
                settable.add(m.getName());
            }
        }
        // proxies: the proxy.* keys; connectionOptions: the connection keys.
        settable.removeAll(Set.of("proxies", "connectionOptions"));
        assertEquals(settable, new TreeSet<>(CacheKeys.cacheKeys()));
    }

    /** AD id -> type. */
    private static Map<String, String> types(String pid) throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(METATYPE.resolve(pid + ".xml").toFile());
        NodeList ads = doc.getElementsByTagName("AD");
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < ads.getLength(); i++) {
            Element ad = (Element) ads.item(i);
            out.put(ad.getAttribute("id"), ad.getAttribute("type"));
        }
        return out;
    }

    @Test
    void everyBuilderOptionIsAConfigurationKey() {
        Set<String> settable = new TreeSet<>();
        for (Method m : ConnectionOptions.Builder.class.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 1
                    && m.getReturnType() == ConnectionOptions.Builder.class) {
                settable.add(m.getName());
            }
        }
        // Objects, not values: set in code or through other configurations (tls: io.pipelane.tls; executor:
        // executor.target; proxy: the proxy.* keys, see CacheKeys).
        settable.removeAll(Set.of("finaliser", "tls", "executor", "proxy"));
        assertEquals(settable, new TreeSet<>(OptionKeys.keys()));
    }

    @Test
    void endpointMetatypeOffersEveryOverrideWithoutDefaults() throws Exception {
        Map<String, String> ads = attributes("io.pipelane.endpoint");
        Set<String> expected = new TreeSet<>(OptionKeys.keys());
        expected.addAll(Set.of("name", "uri", "tls"));
        expected.addAll(CacheKeys.keys());
        assertEquals(expected, new TreeSet<>(ads.keySet()));
        assertEquals("Password", types("io.pipelane.endpoint").get(CacheKeys.PROXY_PASSWORD));
        assertEquals("Boolean", types("io.pipelane.endpoint").get(CacheKeys.PROXY_TUNNEL));
        List<String> overrides = new java.util.ArrayList<>(OptionKeys.keys());
        overrides.addAll(CacheKeys.keys());
        for (String key : overrides) {
            // A default here would silently override io.pipelane for every endpoint.
            assertEquals(null, ads.get(key), "endpoint override " + key + " has no default");
        }
    }

    @Test
    void tlsMetatypeMatchesTheTlsKeys() throws Exception {
        Map<String, String> ads = attributes("io.pipelane.tls");
        assertEquals(new TreeSet<>(TlsConfig.KEYS), new TreeSet<>(ads.keySet()));
        assertEquals(String.valueOf(TlsOptions.defaults().hostnameVerification()), ads.get("hostnameVerification"));
    }

    @Test
    void tlsPasswordsAreMetatypePasswordsWithoutDefault() throws Exception {
        // The TLS keys are not ConfigOptions, so the comparison above does not see them: a password attribute
        // typed String would be shown in clear by the web console.
        Map<String, Map<String, String>> ads = definitions("io.pipelane.tls");
        for (String key : TlsConfig.SECRETS) {
            assertEquals("Password", ads.get(key).get("type"), key);
            assertFalse(ads.get(key).containsKey("default"), key + " has no default");
        }
    }

    /** AD id -> its attributes (name, description, type, default, min, max) and the values of its options. */
    private static Map<String, Map<String, String>> definitions(String pid) throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(METATYPE.resolve(pid + ".xml").toFile());
        NodeList ads = doc.getElementsByTagName("AD");
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (int i = 0; i < ads.getLength(); i++) {
            Element ad = (Element) ads.item(i);
            Map<String, String> attrs = new LinkedHashMap<>();
            for (String a : List.of("name", "description", "type", "default", "min", "max")) {
                if (ad.hasAttribute(a)) attrs.put(a, ad.getAttribute(a));
            }
            NodeList options = ad.getElementsByTagName("Option");
            List<String> values = new java.util.ArrayList<>();
            for (int j = 0; j < options.getLength(); j++) values.add(((Element) options.item(j)).getAttribute("value"));
            values.sort(null);
            if (!values.isEmpty()) attrs.put("options", String.join(",", values));
            out.put(ad.getAttribute("id"), attrs);
        }
        return out;
    }

    /** What the metatype must say of {@code option}: name, description, type, default, min, max, choices. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Map<String, String> expected(ConfigOption<?> option, boolean endpoint) {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("name", endpoint ? option.title() + " (override)" : option.title());
        if (!endpoint) attrs.put("description", option.metatypeDescription());
        attrs.put("type", option.type().metatype());
        if (!endpoint && option.defaultValue() != null) attrs.put("default", ((ConfigOption) option).format(option.defaultValue()));
        if (option.min() != null && option.type() != ConfigOption.Type.DURATION) {
            attrs.put("min", String.valueOf(option.min()));
            Object top = option.type() == ConfigOption.Type.INTEGER ? (Object) Integer.MAX_VALUE : (Object) Long.MAX_VALUE;
            if (!option.max().equals(top)) attrs.put("max", String.valueOf(option.max()));
        }
        List<String> choices = new java.util.ArrayList<>(option.choices());
        choices.sort(null);
        if (!choices.isEmpty()) attrs.put("options", String.join(",", choices));
        return attrs;
    }

    @Test
    void everyDefaultsAttributeRepeatsItsDeclaration() throws Exception {
        Map<String, Map<String, String>> ads = definitions("io.pipelane");
        List<ConfigOption<?>> declared = OptionDocumentationTest.allOptions();
        for (ConfigOption<?> option : declared) {
            assertTrue(ads.containsKey(option.key()), "io.pipelane metatype describes " + option.key());
            assertEquals(expected(option, false), ads.get(option.key()), "metatype of " + option.key());
        }
        assertEquals(declared.size(), ads.size(), "no metatype attribute without a declaration");
    }

    @Test
    void everyEndpointOverrideRepeatsItsDeclarationWithoutDefault() throws Exception {
        Map<String, Map<String, String>> ads = definitions("io.pipelane.endpoint");
        List<ConfigOption<?>> declared = new java.util.ArrayList<>(OptionKeys.options());
        declared.addAll(CacheKeys.cacheOptions());
        declared.addAll(CacheKeys.proxyOptions());
        for (ConfigOption<?> option : declared) {
            Map<String, String> ad = new LinkedHashMap<>(ads.get(option.key()));
            ad.remove("description"); // the endpoint's descriptions say how an override combines, if anything
            assertEquals(expected(option, true), ad, "endpoint metatype of " + option.key());
        }
    }
}
