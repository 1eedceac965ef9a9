package tollgate.route;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * What the error for an unknown model suggests instead, from the chat models the gateway serves:
 * <ol>
 *   <li>the {@code <provider>/<name>} models whose name is the one asked for, ignoring case and
 *       an Ollama tag ({@code llama3} finds {@code ollama/llama3:8b}; {@code llama3:latest}
 *       finds {@code ollama/llama3}): a local model asked for without its provider;</li>
 *   <li>else the ids closest to it by edit distance (a typo: {@code gpt-4o-mni}), within
 *       {@link #maxDistance}.</li>
 * </ol>
 * At most {@link #MAX_SUGGESTIONS}, in catalog order (closest first for typos). Runs only on the
 * error path; a name over {@link #MAX_COMPARED_CHARS} gets no suggestion (the distance is
 * quadratic in its length).
 */
final class ModelSuggestions {
    /** Most names suggested in one error. */
    static final int MAX_SUGGESTIONS = 3;
    /** Longest requested name compared, in chars. */
    static final int MAX_COMPARED_CHARS = 128;
    /** Largest edit distance suggested, whatever the name's length. */
    static final int MAX_DISTANCE = 4;

    private final List<String> ids;

    /** @param ids the chat models served, in catalog order */
    ModelSuggestions(Collection<String> ids) {
        this.ids = List.copyOf(ids);
    }

    /** {@code " Did you mean 'a' or 'b'?"}, or {@code ""} when nothing is close. */
    String didYouMean(String model) {
        List<String> found = suggest(model);
        if (found.isEmpty()) return "";
        StringBuilder sb = new StringBuilder(" Did you mean ");
        for (int i = 0; i < found.size(); i++) {
            if (i > 0) sb.append(i == found.size() - 1 ? " or " : ", ");
            sb.append('\'').append(found.get(i)).append('\'');
        }
        return sb.append('?').toString();
    }

    List<String> suggest(String model) {
        if (model.isEmpty() || model.length() > MAX_COMPARED_CHARS) return List.of();
        String asked = model.toLowerCase(Locale.ROOT);
        String askedBase = untagged(asked);
        List<String> out = new ArrayList<>();
        for (String id : ids) {
            int slash = id.indexOf('/');
            if (slash < 0) continue;
            String name = id.substring(slash + 1).toLowerCase(Locale.ROOT);
            if (name.equals(asked) || untagged(name).equals(askedBase)) {
                out.add(id);
                if (out.size() == MAX_SUGGESTIONS) return out;
            }
        }
        if (!out.isEmpty()) return out;
        int limit = maxDistance(asked.length());
        int[] best = new int[MAX_SUGGESTIONS];
        for (String id : ids) {
            if (Math.abs(id.length() - asked.length()) > limit) continue;
            int d = Levenshtein.distance(asked, id.toLowerCase(Locale.ROOT), limit);
            if (d > limit) continue;
            int i = out.size();
            while (i > 0 && best[i - 1] > d) i--; // after equals: catalog order among ties
            if (i == MAX_SUGGESTIONS) continue;
            if (out.size() == MAX_SUGGESTIONS) out.remove(MAX_SUGGESTIONS - 1);
            out.add(i, id);
            System.arraycopy(best, i, best, i + 1, out.size() - 1 - i);
            best[i] = d;
        }
        return out;
    }

    /** A third of the name's length, at least 1 and at most {@link #MAX_DISTANCE}: "gpt" is not a typo of "o1". */
    static int maxDistance(int length) {
        return Math.max(1, Math.min(MAX_DISTANCE, length / 3));
    }

    /** The name without an Ollama tag ({@code llama3:8b} → {@code llama3}). */
    private static String untagged(String name) {
        int colon = name.indexOf(':');
        return colon < 0 ? name : name.substring(0, colon);
    }
}
