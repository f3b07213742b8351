package dev.uem.train;

import java.util.ArrayList;
import java.util.List;

/**
 * The trainer's listeners in the order they are told of each step. Closing closes them all, the last added first,
 * as try-with-resources closes its resources: the first failure is thrown, later ones are suppressed into it.
 */
final class TrainingListeners implements TrainingListener {
    private final List<TrainingListener> listeners = new ArrayList<>();

    /** Adds {@code listener} after those already added. */
    void add(TrainingListener listener) {
        listeners.add(listener);
    }

    /** Tells every listener of the finished step, in order; one that throws ends the run there. */
    @Override
    public void onStep(StepResult r) {
        for (TrainingListener l : listeners) l.onStep(r);
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (int i = listeners.size() - 1; i >= 0; i--) {
            try {
                listeners.get(i).close();
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
