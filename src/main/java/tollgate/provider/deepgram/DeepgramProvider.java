package tollgate.provider.deepgram;

import java.util.Set;
import tollgate.config.ProviderConfig;
import tollgate.provider.Provider;

/**
 * Kind {@code deepgram}: listed so that a config naming Deepgram loads and shows under
 * {@code GET /providers}. It has no capability yet: speech-to-text and text-to-speech come
 * with the speech-proxy issue.
 */
public final class DeepgramProvider implements Provider {

    public static final String KIND = "deepgram";

    private final String id;

    public DeepgramProvider(ProviderConfig config) {
        this.id = config.id();
    }

    @Override public String id() { return id; }

    @Override public String kind() { return KIND; }

    @Override public Set<String> capabilities() { return Set.of(); }
}
