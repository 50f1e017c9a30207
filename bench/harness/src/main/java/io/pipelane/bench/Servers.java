package io.pipelane.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The load targets the harness starts, and stops: nginx and the in-memory NIO server. */
final class Servers {
    private Servers() {
    }

    /** A server the harness started, with a way to count the connections it accepted. */
    abstract static class Server implements AutoCloseable {
        final String name;
        final int port;
        final Process process;

        Server(String name, int port, Process process) {
            this.name = name;
            this.port = port;
            this.process = process;
        }

        /** Connections accepted so far, counting the connection that asks. */
        abstract long accepts() throws IOException;

        @Override
        public void close() throws Exception {
            // only the process this harness started, by its handle
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The document whose body is the random token of one nginx start (left out of access logs by its readers). */
    static final String TOKEN_PATH = "/pipelane-server-token";

    /** An nginx process this harness started, and the port where it answers with its token. */
    record StartedNginx(int port, Process process) {
    }

    /**
     * Starts nginx ({@code binary}) in {@code dir} with the configuration {@code conf} gives for a port, on a free port, and
     * returns once the server answering there serves this start's token at {@link #TOKEN_PATH} (written into
     * {@code www}). nginx binds the port some time after it was found free: on a shared machine another process
     * may take it meanwhile. Then another program's server is never measured as ours, and when ours ends with
     * "Address already in use" it is started again on another port (5 ports at most).
     */
    static StartedNginx startNginx(String binary, Path dir, Path www, java.util.function.IntFunction<String> conf)
            throws Exception {
        Path confFile = dir.resolve("nginx.conf");
        Path stdout = dir.resolve("stdout.log");
        Path errors = dir.resolve("error.log");
        String lastTaken = "";
        for (int attempt = 0; attempt < 5; attempt++) {
            String token = java.util.UUID.randomUUID().toString();
            Files.writeString(www.resolve(TOKEN_PATH.substring(1)), token);
            int port = freePort();
            Files.writeString(confFile, conf.apply(port));
            Files.deleteIfExists(errors);
            Process p = new ProcessBuilder(binary, "-p", dir.toString(), "-c", confFile.toString())
                    .redirectErrorStream(true).redirectOutput(stdout.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String last = "nothing";
            while (true) {
                if (!p.isAlive()) {
                    String why = (Files.exists(stdout) ? Files.readString(stdout) : "")
                            + (Files.exists(errors) ? Files.readString(errors) : "");
                    if (!why.contains("Address already in use")) throw new IOException("nginx exited: " + why);
                    lastTaken = why;
                    break; // the port was taken before nginx bound it: another one
                }
                try {
                    if (token.equals(get(port, TOKEN_PATH))) return new StartedNginx(port, p);
                    last = "another server answers on " + port;
                } catch (IOException notYet) {
                    last = notYet.toString();
                }
                if (System.nanoTime() > deadline) {
                    p.destroy();
                    if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
                    throw new IOException("nginx did not answer with its token on " + port + "; last: " + last);
                }
                p.waitFor(50, TimeUnit.MILLISECONDS); // returns early if it ends
            }
        }
        throw new IOException("nginx found each of 5 free ports taken before it bound it: " + lastTaken);
    }

    /** A GET on a fresh connection (with Connection: close), returning the body. */
    static String get(int port, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            int body = all.indexOf("\r\n\r\n");
            if (!all.startsWith("HTTP/1.1 200") || body < 0) throw new IOException("GET " + path + ": " + all);
            return all.substring(body + 4);
        }
    }

    // ------------------------------------------------------------------------------------------ nginx

    static final class Nginx extends Server {
        private static final Pattern ACCEPTS = Pattern.compile("server accepts handled requests\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)");
        final Path dir;

        private Nginx(int port, Process process, Path dir) {
            super("nginx", port, process);
            this.dir = dir;
        }

        /**
         * Starts nginx in the foreground ({@code daemon off}) with its own configuration and files in a new
         * temporary directory: one worker, no access log, unlimited keep-alive, stub_status at
         * {@code /_status}, files {@code /13b} and {@code /64k}.
         */
        static Nginx start(String binary) throws Exception {
            Path dir = Files.createTempDirectory("pipelane-bench-nginx-");
            dir.toFile().setReadable(true, false);
            dir.toFile().setExecutable(true, false);
            Path www = Files.createDirectories(dir.resolve("www"));
            Files.write(www.resolve("13b"), NioServer.SMALL);
            Files.write(www.resolve("64k"), Files64k.content());
            boolean root = "root".equals(System.getProperty("user.name"));
            StartedNginx started = startNginx(binary, dir, www, port -> ""
                    + (root ? "user root;\n" : "")
                    + "worker_processes 1;\n"
                    + "daemon off;\n"
                    + "master_process on;\n"
                    + "pid " + dir.resolve("nginx.pid") + ";\n"
                    + "error_log " + dir.resolve("error.log") + " warn;\n"
                    + "events { worker_connections 30000; multi_accept on; }\n"
                    + "http {\n"
                    + "  access_log off;\n"
                    + "  client_body_temp_path " + dir.resolve("tmp-body") + ";\n"
                    + "  proxy_temp_path " + dir.resolve("tmp-proxy") + ";\n"
                    + "  fastcgi_temp_path " + dir.resolve("tmp-fastcgi") + ";\n"
                    + "  uwsgi_temp_path " + dir.resolve("tmp-uwsgi") + ";\n"
                    + "  scgi_temp_path " + dir.resolve("tmp-scgi") + ";\n"
                    + "  default_type application/octet-stream;\n"
                    + "  sendfile on;\n"
                    + "  tcp_nodelay on;\n"
                    + "  keepalive_requests 1000000000;\n"
                    + "  keepalive_timeout 3600s;\n"
                    + "  server {\n"
                    + "    listen 127.0.0.1:" + port + " backlog=16384;\n"
                    + "    root " + www + ";\n"
                    + "    location = /_status { stub_status; }\n"
                    + "  }\n"
                    + "}\n");
            return new Nginx(started.port(), started.process(), dir);
        }

        @Override
        long accepts() throws IOException {
            Matcher m = ACCEPTS.matcher(get(port, "/_status"));
            if (!m.find()) throw new IOException("unexpected stub_status output");
            return Long.parseLong(m.group(1));
        }

        @Override
        public void close() throws Exception {
            super.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    // ------------------------------------------------------------------------------------------ NIO server

    static final class Nio extends Server {
        private static final Pattern STATS = Pattern.compile(
                "accepts=(\\d+) requests=(\\d+) reads=(\\d+) maxPerRead=(\\d+)");

        private Nio(int port, Process process) {
            super("NIO server", port, process);
        }

        /** Starts {@link NioServer} in its own JVM (same java, same class path), on a free port. */
        static Nio start(List<String> jvmArgs) throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new java.util.ArrayList<>();
            cmd.add(java);
            cmd.addAll(jvmArgs);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NioServer.class.getName(), "0"));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
            String line = r.readLine();
            if (line == null || !line.startsWith("listening ")) {
                p.destroyForcibly();
                throw new IOException("NIO server did not start: " + line);
            }
            return new Nio(Integer.parseInt(line.substring("listening ".length()).trim()), p);
        }

        /** {accepts, requests, reads, maxPerRead}. */
        long[] stats() throws IOException {
            Matcher m = STATS.matcher(get(port, "/_stats"));
            if (!m.find()) throw new IOException("unexpected stats");
            return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    Long.parseLong(m.group(4))};
        }

        void resetStats() throws IOException {
            get(port, "/_stats/reset");
        }

        @Override
        long accepts() throws IOException {
            return stats()[0];
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close(); // it exits when its stdin closes
            if (!process.waitFor(2, TimeUnit.SECONDS)) super.close();
        }
    }

    static String nginxBinary() {
        for (String candidate : new String[] {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"}) {
            if (Files.isExecutable(Path.of(candidate))) return candidate;
        }
        return "nginx";
    }
}
