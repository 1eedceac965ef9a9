package tollgate.metrics;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.List;

/**
 * The JVM's heap and garbage collection, read when rendered. {@code java.lang.management}
 * (module {@code java.management}) is the JDK's only API for GC counts and times; it is loaded
 * at the first scrape, not at start-up. The collector names are the JVM's own (a handful per
 * collector kind): a bounded label.
 */
final class JvmGauges {
    static final String HEAP_USED = "tollgate_jvm_heap_used_bytes";
    static final String HEAP_COMMITTED = "tollgate_jvm_heap_committed_bytes";
    static final String HEAP_MAX = "tollgate_jvm_heap_max_bytes";
    static final String GC_COUNT = "tollgate_jvm_gc_collections_total";
    static final String GC_TIME = "tollgate_jvm_gc_seconds_total";

    private JvmGauges() { throw new AssertionError(); }

    static void render(Exposition out) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        out.family(HEAP_USED, "gauge", "Java heap in use, in bytes.").sample(HEAP_USED, "", heap.getUsed());
        out.family(HEAP_COMMITTED, "gauge", "Java heap committed by the JVM, in bytes.").sample(HEAP_COMMITTED, "", heap.getCommitted());
        long max = heap.getMax() >= 0 ? heap.getMax() : Runtime.getRuntime().maxMemory();
        out.family(HEAP_MAX, "gauge", "Largest Java heap the JVM may use (-Xmx), in bytes.").sample(HEAP_MAX, "", max);
        List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
        out.family(GC_COUNT, "counter", "Garbage collections, by collector.");
        for (GarbageCollectorMXBean gc : gcs) out.sample(GC_COUNT, Exposition.labels("gc", gc.getName()), Math.max(0, gc.getCollectionCount()));
        out.family(GC_TIME, "counter", "Time spent in garbage collection, in seconds, by collector.");
        for (GarbageCollectorMXBean gc : gcs) {
            out.sample(GC_TIME, Exposition.labels("gc", gc.getName()), Math.max(0, gc.getCollectionTime()) / 1000.0);
        }
    }
}
