package tollgate.json;

/** Already-encoded JSON that the writer copies verbatim (e.g. a pre-rendered extension object). */
public record RawJson(byte[] utf8) {}
