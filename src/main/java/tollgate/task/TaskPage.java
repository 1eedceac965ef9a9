package tollgate.task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import tollgate.error.GatewayException;

/** One page of a key's tasks in OpenAI's list shape ({@code GET /neo/tasks}), capped in bytes read. */
final class TaskPage {
    /**
     * Most bytes of task files one list page reads (at least one task is listed whatever its
     * size): a task file may hold up to 64 MiB (base64 images in its steps), and a page of 100
     * such tasks, parsed and rendered at once, would take the heap.
     */
    static final long MAX_LIST_BYTES = 16L * 1024 * 1024;

    private TaskPage() {}

    /**
     * {@code limit} of {@code mine} (newest first) after the task {@code after} (null: from the
     * newest); fewer, with {@code has_more}, when they would take the page past {@link #MAX_LIST_BYTES}.
     *
     * @param size each task's file size; {@code view} renders one (404 when the sweep deleted it meanwhile: skipped)
     * @throws GatewayException 400 naming {@code after} when the key has no such task
     */
    static Map<String, Object> of(List<TaskEntry> mine, String after, int limit, ToLongFunction<TaskEntry> size,
                                  Function<TaskEntry, Map<String, Object>> view) {
        int from = 0;
        if (after != null) {
            from = -1;
            for (int i = 0; i < mine.size(); i++) if (mine.get(i).id.equals(after)) from = i + 1;
            if (from < 0) throw GatewayException.invalid("after", "No task '" + Tasks.clip(after) + "' to list after.");
        }
        List<Object> data = new ArrayList<>();
        long bytes = 0;
        int i = from;
        for (; i < Math.min(mine.size(), from + limit); i++) {
            long n = size.applyAsLong(mine.get(i));
            if (!data.isEmpty() && bytes + n > MAX_LIST_BYTES) break; // the next page starts with it
            bytes += n;
            try {
                data.add(view.apply(mine.get(i)));
            } catch (GatewayException gone) {
                // deleted by the sweep since the list was taken
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("object", "list");
        m.put("data", data);
        m.put("first_id", data.isEmpty() ? null : ((Map<?, ?>) data.get(0)).get("id"));
        m.put("last_id", data.isEmpty() ? null : ((Map<?, ?>) data.get(data.size() - 1)).get("id"));
        m.put("has_more", i < mine.size());
        return m;
    }
}
