package io.pipelane.internal.console;

import io.pipelane.NoProxy;
import io.pipelane.ProxyOptions;
import io.pipelane.internal.config.CacheKeys;
import io.pipelane.internal.config.ConfigModel;

/**
 * How every console command names a proxy, in one shape: {@code direct}, or
 * {@code http://proxy:3128, user bob, password ****, tunnel}; the password always the same mask.
 */
final class Proxies {
    private Proxies() {
    }

    /** One proxy, or {@code direct} for none. */
    static String describe(ProxyOptions p) {
        if (p == null) return "direct";
        StringBuilder b = new StringBuilder(p.address().toUri());
        if (p.user() != null) b.append(", user ").append(p.user());
        if (p.password() != null) b.append(", password ").append(CacheKeys.MASK);
        if (p.tunnel()) b.append(", tunnel");
        return b.toString();
    }

    /** A configuration's proxy rule (the defaults'): the proxy and the hosts it excepts. */
    static String describe(CacheKeys.ProxyConfig c) {
        if (c == null || c.proxy() == null) return "direct";
        return describe(c.proxy()) + (c.exceptions().equals(NoProxy.none()) ? "" : ", except " + c.exceptions());
    }

    /** The proxy a valid endpoint's connections go through. */
    static String line(ConfigModel.EndpointStatus e) {
        ProxyOptions p = e.options().proxy();
        if (p != null) return describe(p);
        return e.proxy() != null && e.proxy().proxy() != null
                ? "direct: proxy.exceptions " + e.proxy().exceptions() + " matches" : "direct";
    }
}
