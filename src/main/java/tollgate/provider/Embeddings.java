package tollgate.provider;

import java.util.List;
import tollgate.json.JsonBuffer;

/**
 * The vectors of one embeddings call, each as the JSON text of its {@code embedding} value in the
 * encoding the client asked for: an array of numbers, or a base64 string with its quotes. They
 * are spans of the upstream's own answer where it already had that encoding (passed through, never
 * parsed into numbers), else of a buffer the provider wrote.
 *
 * @param vectors one per input, in input order ({@code index} = position)
 * @param usage   the usage the upstream reported, or {@link Usage#NONE}
 */
public record Embeddings(List<Vector> vectors, Usage usage) {

    /**
     * One vector: {@code json[from, to)} is its JSON value. It may hold insignificant whitespace
     * between tokens (an upstream's pretty printing), which {@link #writeTo} leaves out.
     */
    public record Vector(byte[] json, int from, int to) {
        /** Appends the value without its whitespace (none is significant: numbers and a base64 string have none inside). */
        public void writeTo(JsonBuffer out) {
            int run = from;
            for (int i = from; i < to; i++) {
                byte c = json[i];
                if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                    if (i > run) out.append(json, run, i - run);
                    run = i + 1;
                }
            }
            if (to > run) out.append(json, run, to - run);
        }

        /** Bytes of the value as held (an upper bound of what {@link #writeTo} appends). */
        public int length() { return to - from; }
    }
}
