package io.pipelane.bench;

/**
 * One client on one connection. {@link #batch} sends {@code depth} GETs of the target path back to back (a
 * client that does not pipeline is only ever asked for depth 1) and returns once every response, body
 * included, has been received; it returns the number of body bytes received, which the harness checks.
 */
abstract class BenchClient implements AutoCloseable {
    final String name;
    final Target target;

    BenchClient(String name, Target target) {
        this.name = name;
        this.target = target;
    }

    /** Whether this client writes requests before the responses to earlier ones have arrived. */
    abstract boolean pipelines();

    abstract long batch(int depth) throws Exception;

    @Override
    public abstract void close() throws Exception;

    static void check(boolean ok, String what) {
        if (!ok) throw new IllegalStateException(what);
    }

    /** Where the requests go. */
    record Target(String serverName, String host, int port, String path, int bodyBytes) {
        String authority() {
            return host + ":" + port;
        }

        String url() {
            return "http://" + authority() + path;
        }
    }
}
