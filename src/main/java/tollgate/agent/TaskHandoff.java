package tollgate.agent;

import java.util.Map;

/**
 * Where {@code POST /v1/chat/resume} hands an execution that belongs to a background task
 * ({@link Execution#taskId()} set): the task goes on in the background, and the resume answers
 * with what this returns (the task's status, 202).
 */
public interface TaskHandoff {
    /** No tasks here: a task's approval cannot be resumed (it never is: tasks install theirs). */
    TaskHandoff NONE = (execution, decision) -> {
        throw new IllegalStateException("no task runner for task " + execution.taskId());
    };

    /**
     * Continues the task of {@code execution} with {@code decision} applied by the loop.
     *
     * @return the answer's body
     */
    Map<String, Object> resumed(Execution execution, Decision decision);

    /**
     * A human's decision on a paused execution.
     *
     * @param approve whether the calls may run
     * @param reason  what the human said, given to the model on a rejection; may be null
     */
    record Decision(boolean approve, String reason) {}
}
