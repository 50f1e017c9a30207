package io.pipelane.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /**
     * Issue 14: commands piped to the runtime run once Pipelane's commands are registered (no "Command not
     * found"), and {@code stop 0} exits cleanly (no IllegalStateException), as the README's pipe shows.
     */
    @Test
    void pipedCommandsRunOncePipelaneIsReadyAndStopExitsCleanly() throws Exception {
        Result r = runtime("pipelane:get demo / 2\nstop 0\npipelane:endpoints\n");
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.contains("g! pipelane:get demo / 2\n#1 HTTP/1.1 200 OK"), r.out);
        assertTrue(r.out.contains("#2 HTTP/1.1 200 OK"), r.out);
        assertTrue(r.out.contains("2 request(s) to demo"), r.out);
        assertTrue(r.out.contains("g! stop 0"), r.out);
        assertFalse(r.out.contains("g! pipelane:endpoints"), "nothing runs after stop 0: " + r.out);
        assertFalse(r.out.contains("Command not found"), r.out);
        assertFalse(r.out.contains("Exception"), r.out);
    }

    /** {@code --run FILE}: the file's commands, then the runtime stops by itself; a failed command exits 1. */
    @Test
    void runFileExecutesItsCommandsAndExitsWithTheirOutcome(@TempDir Path dir) throws Exception {
        Path ok = Files.writeString(dir.resolve("ok.gogo"), "# the demo\npipelane:get demo / 3\n\npipelane:connections\n");
        Result r = runtime(null, "--run", ok.toString());
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.contains("3 request(s) to demo"), r.out);
        assertTrue(r.out.contains("g! pipelane:connections\nNo live connections."), r.out);

        Path bad = Files.writeString(dir.resolve("bad.gogo"), "pipelane:get nowhere /\npipelane:get\n");
        Result failed = runtime(null, "--run", bad.toString());
        assertEquals(1, failed.exit, failed.out);
        assertTrue(failed.out.contains("Error: no endpoint named 'nowhere'"), failed.out);
        assertTrue(failed.out.contains("usage: pipelane:get <endpoint> <path> [count]"), failed.out);
        assertTrue(failed.out.contains("Error: pipelane:get: missing <endpoint>"), failed.out);
    }

    private record Result(int exit, String out) {
    }

    /** Runs the built jar with {@code input} on its standard input (none: /dev/null). */
    private static Result runtime(String input, String... args) throws Exception {
        String jar = System.getProperty("pipelane.runtime.jar");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new java.util.ArrayList<>(List.of(java.toString(), "-jar", jar));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (input == null) pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        if (input != null) {
            try (var in = p.getOutputStream()) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the runtime stops by itself");
        String out = new String(output, StandardCharsets.UTF_8);
        System.out.println(out);
        return new Result(p.exitValue(), out);
    }
}
