package tollgate.config;

import java.util.List;
import java.util.Map;

/**
 * The {@code speech} section (issue 10): speech-to-text and text-to-speech.
 *
 * @param maxUploadBytes largest audio upload accepted (413 above), in bytes
 * @param tts            the text-to-speech voice and format tables ({@code speech.tts})
 */
public record SpeechConfig(long maxUploadBytes, TtsConfig tts) {
    /** 25 MiB: OpenAI's own limit for {@code /audio/transcriptions}. */
    public static final long DEFAULT_MAX_UPLOAD_BYTES = 25L * 1024 * 1024;
    /** Largest {@code max_upload_bytes} accepted: 2 GiB, beyond which an upload is not a request. */
    static final long MAX_UPLOAD_BYTES = 2L * 1024 * 1024 * 1024;

    public static final SpeechConfig DEFAULTS = new SpeechConfig(DEFAULT_MAX_UPLOAD_BYTES, TtsConfig.DEFAULTS);

    static final List<String> KEYS = List.of("max_upload_bytes", "tts");

    /** With the default text-to-speech tables. */
    public SpeechConfig(long maxUploadBytes) {
        this(maxUploadBytes, TtsConfig.DEFAULTS);
    }

    /** Reads {@code speech} from the config's top level; the defaults when absent. */
    static SpeechConfig read(ConfigReader r, Map<String, Object> top) {
        String p = "speech";
        Map<String, Object> s = r.object(top, "", p, KEYS);
        if (s == null) return DEFAULTS;
        long maxUpload = r.integer(s, p, "max_upload_bytes", DEFAULT_MAX_UPLOAD_BYTES, 1, MAX_UPLOAD_BYTES);
        TtsConfig tts = TtsConfig.read(r, s, p);
        return new SpeechConfig(maxUpload, tts);
    }
}
