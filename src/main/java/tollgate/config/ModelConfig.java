package tollgate.config;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One model the gateway serves, from {@code models[]} in the config.
 *
 * @param id              the id clients send and see, e.g. {@code gpt-4o-mini}
 * @param provider        the provider id that serves it
 * @param upstreamModel   the id sent upstream
 * @param name            a display name for {@code GET /models}
 * @param contextLength   the context window in tokens; 0 when unknown
 * @param promptPrice     price per prompt token in USD as decimal text (e.g. {@code "0.000003"}), or null
 * @param completionPrice price per completion token in USD as decimal text, or null
 * @param capabilities    e.g. {@code tools}, {@code vision}, {@code json}
 * @param created         epoch seconds shown as {@code created} in {@code GET /models}
 * @param maxOutputTokens the {@code max_tokens} sent when the client gives none and the upstream
 *                        requires one (Anthropic); 0 when not configured
 * @param quality         score 0-100 per task name in {@link #TASKS}, only those configured
 *                        (the catalog fills in the rest)
 * @param audioMinutePrice price per minute of audio in USD as decimal text (speech-to-text), or null
 * @param characterPrice  price per character of input in USD as decimal text (text-to-speech), or null
 * @param imagePrice      price per image generated in USD as decimal text (image generation), or null
 */
public record ModelConfig(
        String id,
        String provider,
        String upstreamModel,
        String name,
        long contextLength,
        String promptPrice,
        String completionPrice,
        Set<String> capabilities,
        long created,
        long maxOutputTokens,
        Map<String, Integer> quality,
        String audioMinutePrice,
        String characterPrice,
        String imagePrice) {

    /** A model priced per token only. */
    public ModelConfig(String id, String provider, String upstreamModel, String name, long contextLength, String promptPrice,
                       String completionPrice, Set<String> capabilities, long created, long maxOutputTokens,
                       Map<String, Integer> quality) {
        this(id, provider, upstreamModel, name, contextLength, promptPrice, completionPrice, capabilities, created, maxOutputTokens,
                quality, null, null, null);
    }

    /** A model priced per token, per audio minute or per character (no image price). */
    public ModelConfig(String id, String provider, String upstreamModel, String name, long contextLength, String promptPrice,
                       String completionPrice, Set<String> capabilities, long created, long maxOutputTokens,
                       Map<String, Integer> quality, String audioMinutePrice, String characterPrice) {
        this(id, provider, upstreamModel, name, contextLength, promptPrice, completionPrice, capabilities, created, maxOutputTokens,
                quality, audioMinutePrice, characterPrice, null);
    }

    /** Capabilities a model may declare, in the order error messages list them. */
    public static final List<String> CAPABILITIES =
            List.of("tools", "vision", "json", "stream", "fim", "completions", "stt", "tts", "realtime", "images", "embeddings");
    /**
     * Capabilities that make a model a speech model: it serves {@code /audio/...}, Deepgram's
     * endpoints or realtime voice sessions, and is never routed a chat request.
     */
    public static final Set<String> SPEECH_CAPABILITIES = Set.of("stt", "tts", "realtime");
    /**
     * Capabilities of a model that is not a chat model and is never routed a chat request: the
     * speech ones, {@code images} (image generation, {@code /images/generations}, issue 12) and
     * {@code embeddings} ({@code /embeddings}, issue 14).
     */
    public static final Set<String> NON_CHAT_CAPABILITIES = Set.of("stt", "tts", "realtime", "images", "embeddings");
    /** Capabilities of a model whose config lists none. */
    public static final Set<String> DEFAULT_CAPABILITIES =
            Collections.unmodifiableSet(new LinkedHashSet<>(List.of("tools", "json", "stream")));
    /** Task names a quality score may be given for (seed 000's taskHint values, and general). */
    public static final List<String> TASKS = List.of("general", "writing", "code-generation", "reasoning", "vision");
}
