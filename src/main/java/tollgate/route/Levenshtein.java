package tollgate.route;

/**
 * Edit distance (insertions, deletions, replacements of one character), bounded so that a long
 * string costs no more than the limit allows: what unknown-model suggestions and the 404 path
 * hints both guess a typo with.
 */
public final class Levenshtein {
    private Levenshtein() { throw new AssertionError(); }

    /** The distance of {@code a} and {@code b}, or {@code limit + 1} as soon as it must exceed {@code limit}. */
    public static int distance(String a, String b, int limit) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                rowMin = Math.min(rowMin, cur[j]);
            }
            if (rowMin > limit) return limit + 1;
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
