package io.pipelane.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's runtime, as built: the demo endpoint answers 16 pipelined GETs, and config/ is loaded. */
class RuntimeSmokeIT {

    @Test
    void smokeModeSendsPipelinedRequestsAndLoadsTheConfigFolder(@TempDir Path config) throws Exception {
        Files.writeString(config.resolve("io.pipelane.endpoint-fromfile.cfg"),
                "uri = http://127.0.0.1:9\nresponseTimeout = 2s\n");
        String jar = System.getProperty("pipelane.runtime.jar");
        assertTrue(new File(jar).isFile(), jar);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-jar", jar, "--smoke", "--config", config.toString()))
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the runtime stops by itself");
        String out = new String(output, StandardCharsets.UTF_8);
        System.out.println(out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("#16 HTTP_1_1 200") || out.contains("#16 HTTP/1.1 200"), out);
        assertTrue(out.contains("16 x 200"), out);
        assertTrue(out.contains(", pipelined"), out);
        assertTrue(out.contains("fromfile"), "the .cfg file in the config folder was loaded: " + out);
        assertTrue(out.contains("smoke test passed"), out);
    }
}
