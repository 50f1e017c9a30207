package io.pipelane.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The README's table of options is generated from the declarations ({@link OptionKeys}, {@link CacheKeys}): this
 * test fails when it differs, and with {@code -Dpipelane.updateReadme=true} rewrites it (between the
 * {@code options:begin} and {@code options:end} markers).
 */
class OptionDocumentationTest {
    private static final Path README = Path.of("../README.md");
    private static final String BEGIN = "<!-- options:begin (generated from OptionKeys and CacheKeys by "
            + "OptionDocumentationTest: -Dpipelane.updateReadme=true) -->\n";
    private static final String END = "<!-- options:end -->\n";

    /** Every declared option, in documentation order. */
    static List<ConfigOption<?>> allOptions() {
        List<ConfigOption<?>> all = new ArrayList<>(OptionKeys.options());
        all.addAll(CacheKeys.cacheOptions());
        all.addAll(CacheKeys.proxyOptions());
        all.add(OptionKeys.EXECUTOR_TARGET);
        return all;
    }

    static String table() {
        StringBuilder out = new StringBuilder("| key | type | default | allowed | meaning |\n|---|---|---|---|---|\n");
        for (ConfigOption<?> o : allOptions()) {
            out.append("| `").append(o.key()).append("` | ").append(typeName(o)).append(" | ")
                    .append(defaultText(o)).append(" | ").append(o.limits()).append(" | ")
                    .append(o.description().replace("|", "\\|")).append(" |\n");
        }
        return out.toString();
    }

    private static String typeName(ConfigOption<?> o) {
        switch (o.type()) {
            case DURATION: return "duration";
            case INTEGER: case LONG: return "integer";
            case BOOLEAN: return "boolean";
            case ENUM: return "choice";
            case PASSWORD: return "password";
            case STRING_LIST: return "list";
            default: return "string";
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static String defaultText(ConfigOption<?> o) {
        Object d = o.defaultValue();
        if (d == null || "".equals(d)) return "none";
        return "`" + ((ConfigOption) o).format(d) + "`";
    }

    @Test
    void readmeTableIsGeneratedFromTheDeclarations() throws Exception {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        assertTrue(begin >= 0 && end > begin, "README.md has the markers " + BEGIN.trim() + " and " + END.trim());
        String current = readme.substring(begin + BEGIN.length(), end);
        String expected = table();
        if (!current.equals(expected) && Boolean.getBoolean("pipelane.updateReadme")) {
            Files.writeString(README, readme.substring(0, begin + BEGIN.length()) + expected + readme.substring(end),
                    StandardCharsets.UTF_8);
            current = expected;
        }
        assertEquals(expected, current, "README.md's option table is out of date: run this test with "
                + "-Dpipelane.updateReadme=true");
    }
}
