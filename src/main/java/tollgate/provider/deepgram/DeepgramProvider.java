package tollgate.provider.deepgram;

import java.util.List;
import java.util.Set;
import tollgate.config.ProviderConfig;
import tollgate.provider.AudioSink;
import tollgate.provider.Exchange;
import tollgate.provider.IdleWatchdog;
import tollgate.provider.Secrets;
import tollgate.provider.SpeechCall;
import tollgate.provider.SpeechProvider;
import tollgate.provider.Transcript;
import tollgate.provider.TranscriptionCall;
import tollgate.provider.TranscriptionProvider;
import tollgate.provider.Upstream;

/**
 * Kind {@code deepgram}: Deepgram's speech APIs at {@code base_url}
 * ({@code https://api.deepgram.com/v1}), authenticated with {@code Authorization: Token <api_key>}
 * (protocols.md §4). Speech-to-text is {@link DeepgramListen} ({@code POST /listen}),
 * text-to-speech {@link DeepgramSpeak} ({@code POST /speak}).
 */
public final class DeepgramProvider implements TranscriptionProvider, SpeechProvider {

    public static final String KIND = "deepgram";
    /** Deepgram's text-to-speech {@code speed} range (developers.deepgram.com/reference/text-to-speech-api). */
    public static final double MIN_SPEED = 0.7, MAX_SPEED = 1.5;

    private final String id;
    private final DeepgramListen listen;
    private final DeepgramSpeak speak;

    /** @throws IllegalArgumentException if the base URL or a configured header cannot be used */
    public DeepgramProvider(ProviderConfig config, Upstream upstream, IdleWatchdog watchdog, Secrets secrets) {
        this.id = config.id();
        List<String> auth = config.apiKey() == null || config.apiKey().isBlank() ? List.of()
                : List.of("Authorization", "Token " + config.apiKey());
        Exchange exchange = new Exchange(config, upstream, watchdog, secrets, auth);
        this.listen = new DeepgramListen(exchange, upstream, watchdog);
        this.speak = new DeepgramSpeak(config, exchange);
    }

    @Override public String id() { return id; }

    @Override public String kind() { return KIND; }

    @Override public Set<String> capabilities() { return Set.of("stt", "tts"); }

    @Override
    public Transcript transcribe(TranscriptionCall call) { return listen.transcribe(call); }

    @Override
    public long speak(SpeechCall call, AudioSink sink) { return speak.speak(call, sink); }
}
