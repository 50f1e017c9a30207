package io.pipelane.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A program a test needs from Debian's packages: installed with {@code apt-get install -y} when it is missing and
 * the test runs as root. If it still is not there, the test fails under CI ({@code CI=true}: a test that needs a
 * server must not vanish from CI) and is skipped elsewhere, naming the package.
 */
public final class DebianPackage {
    private DebianPackage() {
    }

    /** The path of {@code binary}, installing {@code pkg} first if it is missing. */
    public static synchronized Path require(String pkg, Path binary) {
        if (Files.isExecutable(binary)) return binary;
        String tried = install(pkg);
        if (Files.isExecutable(binary)) return binary;
        String why = binary + " (Debian package " + pkg + ") is not installed and could not be installed: " + tried;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(why);
        Assumptions.abort(why);
        return binary; // not reached
    }

    private static String install(String pkg) {
        if (!"root".equals(System.getProperty("user.name"))) return "not root; run: apt-get install -y " + pkg;
        try {
            String out = run("apt-get", "install", "-y", "-q", pkg);
            if (out == null) return "apt-get install took too long";
            if (out.contains("Unable to locate package")) { // never updated on this machine
                run("apt-get", "update", "-q");
                out = run("apt-get", "install", "-y", "-q", pkg);
            }
            return out == null ? "apt-get install took too long" : last(out);
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    /** Runs a command to its end (at most 5 minutes): its output, or null if it took longer. */
    private static String run(String... command) throws IOException, InterruptedException {
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
        b.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = b.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes(); // ends when the process does
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return null;
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static String last(String out) {
        String t = out.strip();
        int i = t.lastIndexOf('\n');
        return i < 0 ? t : t.substring(i + 1);
    }
}
