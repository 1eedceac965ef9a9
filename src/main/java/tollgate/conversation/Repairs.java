package tollgate.conversation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link ToolCallRepair} changed in a conversation (seed 002, "Tool call repair"), counted
 * for the response's extension object and the access log.
 *
 * @param duplicatesRemoved tool calls whose id an earlier call already used, plus tool messages
 *                          answering an id that was already answered
 * @param orphansRemoved    tool messages that answer no call of the assistant message they follow
 * @param placeholdersAdded tool messages inserted with {@link ToolCallRepair#INTERRUPTED_RESULT}
 *                          for calls that got no result
 * @param idsNormalized     distinct client ids rewritten because the upstream would refuse them
 */
public record Repairs(int duplicatesRemoved, int orphansRemoved, int placeholdersAdded, int idsNormalized) {

    /** Nothing was changed. */
    public static final Repairs NONE = new Repairs(0, 0, 0, 0);

    /** Whether anything was changed. */
    public boolean any() {
        return duplicatesRemoved != 0 || orphansRemoved != 0 || placeholdersAdded != 0 || idsNormalized != 0;
    }

    /**
     * The non-zero counts as JSON values, in the order {@code duplicates_removed},
     * {@code orphans_removed}, {@code placeholders_added}, {@code ids_normalized}, with
     * {@link Long} values; empty when nothing was changed. Example: {@code {"duplicates_removed":1}}.
     */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (duplicatesRemoved != 0) m.put("duplicates_removed", (long) duplicatesRemoved);
        if (orphansRemoved != 0) m.put("orphans_removed", (long) orphansRemoved);
        if (placeholdersAdded != 0) m.put("placeholders_added", (long) placeholdersAdded);
        if (idsNormalized != 0) m.put("ids_normalized", (long) idsNormalized);
        return m;
    }
}
