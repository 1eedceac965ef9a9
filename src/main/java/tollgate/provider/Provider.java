package tollgate.provider;

import java.util.Set;

/**
 * An upstream that models are served from, as configured under {@code providers} in the config.
 *
 * <p>This interface is deliberately small: what a provider can do is expressed by the optional
 * capability interfaces it also implements ({@link ChatProvider} today; speech, realtime and
 * fill-in-the-middle later), which callers test with {@code instanceof}. Implementations are
 * immutable after construction and safe for use by any number of threads at once.
 */
public interface Provider {

    /** The config name, e.g. {@code openai}; unique within one gateway. */
    String id();

    /** The kind from the config, e.g. {@code openai}, {@code echo}. */
    String kind();

    /** True for providers that answer without any network, such as {@code echo}. */
    default boolean offline() { return false; }

    /** Capability names for {@code GET /providers}, e.g. {@code chat}. */
    Set<String> capabilities();
}
