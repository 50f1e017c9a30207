package io.pipelane.internal.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The options of one builder, each bound to its setter and accessor, so that configuration is applied and described
 * by walking the declarations ({@link ConfigOption}) rather than by code written per key. Filled once, by the static
 * initialiser of the class that declares the options; read-only afterwards.
 *
 * @param <B> the builder ({@code ConnectionOptions.Builder})
 * @param <O> what it builds ({@code ConnectionOptions})
 */
public final class OptionTable<B, O> {
    private record Binding<B, O, T>(ConfigOption<T> option, BiConsumer<B, T> setter, Function<O, T> getter) {
        void apply(ConfigValues values, B builder) {
            T value = option.read(values);
            try {
                setter.accept(builder, value);
            } catch (IllegalArgumentException e) {
                // A builder check beyond the option's range (none today): "key: why".
                String msg = String.valueOf(e.getMessage());
                if (msg.startsWith(option.key() + ": ")) msg = msg.substring(option.key().length() + 2);
                throw values.error(option.key(), msg);
            }
        }

        String describe(O options) {
            return option.format(getter.apply(options));
        }
    }

    private final List<Binding<B, O, ?>> bindings = new ArrayList<>();

    /** Binds {@code option} to the builder's setter and the built object's accessor; returns the option. */
    public <T> ConfigOption<T> add(ConfigOption<T> option, BiConsumer<B, T> setter, Function<O, T> getter) {
        for (Binding<B, O, ?> b : bindings) {
            if (b.option().key().equals(option.key())) throw new IllegalStateException("declared twice: " + option);
        }
        bindings.add(new Binding<>(option, setter, getter));
        return option;
    }

    /** The options, in declaration (documentation) order. */
    public List<ConfigOption<?>> options() {
        List<ConfigOption<?>> out = new ArrayList<>();
        for (Binding<B, O, ?> b : bindings) out.add(b.option());
        return out;
    }

    /** The keys, in declaration order. */
    public List<String> keys() {
        List<String> out = new ArrayList<>();
        for (Binding<B, O, ?> b : bindings) out.add(b.option().key());
        return out;
    }

    /**
     * Sets on {@code builder} every option present (and not blank) in {@code values}.
     *
     * @throws ConfigException naming the first key whose value is unusable
     */
    public void apply(ConfigValues values, B builder) {
        for (Binding<B, O, ?> b : bindings) {
            if (values.has(b.option().key())) b.apply(values, builder);
        }
    }

    /** The value of every option in {@code built}, formatted as it could be configured. */
    public Map<String, String> describe(O built) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Binding<B, O, ?> b : bindings) out.put(b.option().key(), b.describe(built));
        return out;
    }
}
