package tollgate.provider;

import tollgate.config.TtsConfig;

/**
 * The audio a text-to-speech call must produce, in Deepgram's terms (which name every format
 * either API can ask for) plus the OpenAI {@code response_format} it is, when it is one.
 *
 * @param encoding    Deepgram's {@code encoding}, one of {@link TtsConfig#ENCODINGS}
 * @param container   Deepgram's {@code container}, or null for the encoding's default
 * @param sampleRate  Hz; 0 = the encoding's default
 * @param bitRate     bits per second; 0 = the encoding's default
 * @param row         the {@code speech.tts.formats} row this is exactly (its name is the OpenAI
 *                    {@code response_format}), or null when no row is (mulaw, another rate)
 * @param contentType what the client receives as {@code Content-Type}
 */
public record AudioFormat(String encoding, String container, int sampleRate, int bitRate, TtsConfig.Format row,
                          String contentType) {

    /** A row of the table, as OpenAI's {@code response_format} names it. */
    public static AudioFormat of(TtsConfig.Format row) {
        return new AudioFormat(row.encoding(), row.container(), row.sampleRate(), 0, row, row.contentType());
    }

    /** Deepgram's query parameters ({@code sampleRate}, {@code bitRate} 0 when not given). */
    public static AudioFormat deepgram(TtsConfig tts, String encoding, String container, int sampleRate, int bitRate) {
        TtsConfig.Format row = tts.match(encoding, container, sampleRate);
        int rate = sampleRate != 0 ? sampleRate : row != null ? row.sampleRate() : 0;
        String type = row != null ? row.contentType() : contentType(encoding, container != null ? container
                : TtsConfig.defaultContainer(encoding));
        return new AudioFormat(encoding, container != null ? container : row != null ? row.container() : null, rate, bitRate, row,
                type);
    }

    /** The container Deepgram produces: the given one, or the encoding's default. */
    public String effectiveContainer() { return container != null ? container : TtsConfig.defaultContainer(encoding); }

    /** The OpenAI {@code response_format}, or null when this is not a row of the table. */
    public String name() { return row == null ? null : row.name(); }

    /** How an error message names it: {@code 'mp3'}, or {@code encoding=mulaw, container=wav, sample_rate=8000}. */
    public String describe() {
        if (row != null && bitRate == 0) return "'" + row.name() + "'";
        StringBuilder b = new StringBuilder("encoding=").append(encoding).append(", container=").append(effectiveContainer());
        if (sampleRate != 0) b.append(", sample_rate=").append(sampleRate);
        if (bitRate != 0) b.append(", bit_rate=").append(bitRate);
        return b.toString();
    }

    /**
     * The media type of audio no table row describes: by container, else by encoding (RFC 3551
     * §4.5.14 names mu-law {@code audio/basic}; RFC 7845 §9 Ogg Opus {@code audio/ogg}).
     */
    static String contentType(String encoding, String container) {
        return switch (container) {
            case "wav" -> "audio/wav";
            case "ogg" -> "audio/ogg";
            default -> switch (encoding) {
                case "mp3" -> "audio/mpeg";
                case "flac" -> "audio/flac";
                case "aac" -> "audio/aac";
                case "opus" -> "audio/opus";
                case "mulaw" -> "audio/basic";
                case "alaw" -> "audio/x-alaw-basic";
                default -> "audio/pcm";
            };
        };
    }
}
