package tollgate;

import tollgate.catalog.Catalog;
import tollgate.catalog.Model;
import tollgate.catalog.Task;
import tollgate.config.RouterConfig;

/** The model savings are measured against (README: {@code router.baseline_model}); split from {@link Gateway}. */
final class Baseline {
    private Baseline() {}

    /**
     * {@code router.baseline_model}, else the priced model with the best general quality (what
     * premium would pick), else none (null).
     */
    static Model of(Catalog catalog, RouterConfig router) {
        if (router.baselineModel() != null) return catalog.get(router.baselineModel());
        Model best = null;
        for (Model m : catalog.models()) {
            if (!m.pricing().known()) continue;
            if (best == null || m.quality().of(Task.GENERAL) > best.quality().of(Task.GENERAL)) best = m;
        }
        return best;
    }
}
