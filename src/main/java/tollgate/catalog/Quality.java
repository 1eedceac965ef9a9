package tollgate.catalog;

import java.util.Arrays;

/**
 * How well a model does each {@link Task}, 0 to {@link #MAX}: the operator's judgement, in
 * config ({@code models[].quality}), with defaults for the models the shipped config lists
 * ({@link DefaultQuality}). The policies compare it against a floor; nothing else reads it.
 */
public final class Quality {
    /** The best score. */
    public static final int MAX = 100;
    /** What a model gets for a task nobody scored: middling, so it is neither preferred nor shunned. */
    public static final int UNSCORED = 50;

    private final int[] byTask;

    private Quality(int[] byTask) {
        this.byTask = byTask;
    }

    /** Scores in {@link Task} order; each 0..{@link #MAX}. */
    public static Quality of(int... byTask) {
        if (byTask.length != Task.values().length) throw new IllegalArgumentException("one score per task expected");
        for (int q : byTask) if (q < 0 || q > MAX) throw new IllegalArgumentException("quality out of range: " + q);
        return new Quality(byTask.clone());
    }

    /** The same score for every task. */
    public static Quality uniform(int q) {
        int[] a = new int[Task.values().length];
        Arrays.fill(a, q);
        return of(a);
    }

    public int of(Task task) { return byTask[task.ordinal()]; }

    /** A copy with one task's score replaced. */
    public Quality with(Task task, int q) {
        int[] a = byTask.clone();
        a[task.ordinal()] = q;
        return of(a);
    }

    @Override public boolean equals(Object o) { return o instanceof Quality q && Arrays.equals(byTask, q.byTask); }
    @Override public int hashCode() { return Arrays.hashCode(byTask); }
    @Override public String toString() { return "Quality" + Arrays.toString(byTask); }
}
