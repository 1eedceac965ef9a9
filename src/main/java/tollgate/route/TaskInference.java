package tollgate.route;

import static tollgate.route.TaskKeywords.asciiLetter;
import static tollgate.route.TaskKeywords.lower;

import java.util.List;
import java.util.Map;
import tollgate.catalog.Task;

/**
 * Guesses the {@link Task} of an OpenAI chat-completions request that came without a
 * {@code taskHint}, so that the policy router ({@code neo-mode/…}) can pick a model for it.
 *
 * <p>These are heuristics: keyword and punctuation signals, not understanding. They are meant to
 * be right for the plain cases (an image, a pasted stack of code, "prove that…", "write a
 * poem") and to fall back to {@link Task#GENERAL} when nothing stands out, never to be clever.
 * A client that knows better sends {@code taskHint}. The rules, first match wins:
 * <ol>
 *   <li><b>vision</b>: any message has an image part ({@code image_url} or {@code input_image});</li>
 *   <li><b>code-generation</b>: a {@code ```} fence in the last user message or in a
 *       system/developer message; or a code-heavy system/developer message (two or more of
 *       code, function, programming, developer, refactor, compile, stack trace, unit test, bug);
 *       or a declared tool whose name or description says it edits files or runs code
 *       ({@code write_file}, {@code apply_patch}, {@code str_replace_editor}, {@code bash}, …);
 *       or at least {@value #CODE_TOKENS_NEEDED} code tokens in the last user message
 *       ({@code def }, {@code class }, {@code =>}, {@code ();}, {@code #include}, {@code </}, …,
 *       case-sensitive since code is); or the last user message asks for code in words: a
 *       language name with a code word ("a Python function"), two code words ("fix the bug in
 *       this function"), or a language name or code word with a bare writing verb and no prose
 *       noun ("write SQL to…", "write a function that…", whereas "write a poem about code" and
 *       "write a blog post about Python" stay writing);</li>
 *   <li><b>reasoning</b>: {@code reasoning_effort} is set (and not {@code "none"}); or the last
 *       user message has a math/logic word (prove, proof, derive, theorem, step by step,
 *       calculate, solve, how many, probability, puzzle, riddle, why does, explain why) or an
 *       equation-like run ({@code 2 + 2}, {@code x^2 = 4}, {@code 6 / 3}: a digit, an operator
 *       and a digit a few characters apart; {@code -} and {@code /} need spaces around them so
 *       that dates, ranges and scores such as {@code 2024-01-15}, {@code 2-3}, {@code 10/10} do
 *       not count, and times such as {@code 3:00 - 4:00} do not either);</li>
 *   <li><b>writing</b>: the last user message asks for prose (write, draft, rewrite, essay,
 *       story, poem, blog, email, letter, article, summary/summarize, translate, tone,
 *       paraphrase, cover letter, headline, slogan);</li>
 *   <li>otherwise <b>general</b>, reason "no signal".</li>
 * </ol>
 * Only the last user message counts for the user side: an earlier "write a poem" followed by
 * "hi" is general. Words match case-insensitively (ASCII) and only at the start of a word, so
 * "approve" is not "prove" and "resolve" is not "solve"; some words also reject long endings
 * ("proofread" is not "proof") while stems such as "theorem", "calculat" or "summar" take any.
 * A message whose content is a list of parts is read part by part (text parts only, each a
 * separate run of text).
 *
 * <p>Why cheap: this runs on every neo-mode request before a model is chosen, so it must cost
 * next to nothing next to the upstream call (well under 5 µs for a 1 KB prompt). It reads at
 * most {@link #MAX_SCANNED_CHARS} chars of the last user message, of the system/developer
 * messages and of the tool descriptions (each group has its own budget; a 1 MB prompt costs the
 * same as a 4 KB one and signals past the cap are not seen), walks each text once with a table
 * of keywords bucketed by their first two letters, uses no regular expressions, and allocates nothing
 * proportional to the text (no lower-casing or concatenation; only the small result).
 */
public final class TaskInference {

    /** The most chars read from each of: the last user message, the system/developer messages, the tool descriptions. */
    public static final int MAX_SCANNED_CHARS = 4096;
    /** Tools looked at, at most (OpenAI accepts up to 128). */
    static final int MAX_TOOLS_SCANNED = 128;
    /** Code tokens in the last user message that make it code. */
    static final int CODE_TOKENS_NEEDED = 3;

    /**
     * The inferred task and why.
     *
     * @param task   the task
     * @param reason a short human-readable phrase for the route explanation, e.g.
     *               {@code image in messages[2]}, {@code asks for prose ("poem")}, {@code no signal}
     */
    public record Inferred(Task task, String reason) {}

    private TaskInference() {}

    /**
     * The task of a validated chat-completions body (see the class comment for the rules).
     * Never fails: a body without usable messages is {@link Task#GENERAL}.
     */
    public static Inferred infer(Map<String, Object> body) {
        if (body == null) return NO_SIGNAL;
        List<?> messages = body.get("messages") instanceof List<?> l ? l : List.of();

        // a. vision, and find the last user message on the way.
        Object lastUser = null;
        int index = 0;
        for (Object m : messages) {
            if (m instanceof Map<?, ?> message) {
                Object content = message.get("content");
                if (content instanceof List<?> parts && hasImage(parts)) {
                    return new Inferred(Task.VISION, "image in messages[" + index + "]");
                }
                if ("user".equals(message.get("role"))) lastUser = message.get("content");
            }
            index++;
        }

        // b. code.
        TaskScan scan = new TaskScan();
        scan.content(lastUser, TaskScan.USER);
        if (scan.userFence) return USER_FENCE;
        scan.budget = MAX_SCANNED_CHARS;
        for (Object m : messages) {
            if (scan.budget == 0 || scan.systemDone()) break;
            if (m instanceof Map<?, ?> message && isSystem(message.get("role"))) scan.content(message.get("content"), TaskScan.SYSTEM);
        }
        if (scan.systemFence) return SYSTEM_FENCE;
        if (scan.systemWords >= 2) {
            return new Inferred(Task.CODE_GENERATION, "code-heavy system message (\"" + scan.systemFirst.label()
                    + "\", \"" + scan.systemSecond.label() + "\")");
        }
        Inferred tool = codeTool(body.get("tools"), scan);
        if (tool != null) return tool;
        if (scan.codeTokens >= CODE_TOKENS_NEEDED) return USER_CODE_TOKENS;
        boolean bareWritingVerb = scan.writeVerb != null && scan.prose == null;
        if (scan.lang != null && (scan.codeWords > 0 || bareWritingVerb)) return scan.lang.result();
        if (scan.codeWords >= 2 || (scan.codeWords == 1 && bareWritingVerb)) return scan.codeWord.result();

        // c. reasoning.
        Object effort = body.get("reasoning_effort");
        if (effort != null && !"none".equals(effort)) return REASONING_EFFORT;
        if (scan.reasoning != null) return scan.reasoning.result();
        if (scan.equation) return EQUATION;

        // d. writing.
        if (scan.prose != null) return scan.prose.result();
        if (scan.writeVerb != null) return scan.writeVerb.result();
        return NO_SIGNAL;
    }

    private static boolean hasImage(List<?> parts) {
        for (Object p : parts) {
            if (p instanceof Map<?, ?> part) {
                Object type = part.get("type");
                if ("image_url".equals(type) || "input_image".equals(type)) return true;
            }
        }
        return false;
    }

    private static boolean isSystem(Object role) { return "system".equals(role) || "developer".equals(role); }

    /** The first tool (of the first {@link #MAX_TOOLS_SCANNED}) that edits files or runs code, as a result; or null. */
    private static Inferred codeTool(Object tools, TaskScan scan) {
        if (!(tools instanceof List<?> list)) return null;
        scan.budget = MAX_SCANNED_CHARS;
        int seen = 0;
        for (Object t : list) {
            if (++seen > MAX_TOOLS_SCANNED) break;
            if (!(t instanceof Map<?, ?> tool)) continue;
            Map<?, ?> fn = tool.get("function") instanceof Map<?, ?> f ? f : tool;
            String name = fn.get("name") instanceof String s ? s : null;
            boolean code = name != null && codeToolName(name);
            if (!code && scan.budget > 0 && fn.get("description") instanceof String d) {
                scan.descBits = 0;
                scan.part(d, TaskScan.DESCRIPTION);
                code = scan.descriptionDone();
            }
            if (code) {
                if (name == null) return CODE_TOOL;
                if (name.length() > 64) name = name.substring(0, 64);
                return new Inferred(Task.CODE_GENERATION, "tools that edit files or run code (" + name + ")");
            }
        }
        return null;
    }

    /**
     * True if a tool name contains one of {@link #TOOL_NAME_WORDS} starting at a word of the name
     * ({@code write_file}, {@code writeFile}, {@code str_replace_editor}, {@code file_edit}; not
     * {@code credit_check}). {@code _}, {@code -} and {@code .} inside the name are skipped.
     */
    static boolean codeToolName(String name) {
        int n = Math.min(name.length(), 64);
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (!asciiLetter(c)) continue;
            if (i > 0) {
                char prev = name.charAt(i - 1);
                boolean camel = c >= 'A' && c <= 'Z' && prev >= 'a' && prev <= 'z';
                if (asciiLetter(prev) && !camel) continue;
            }
            for (String w : TOOL_NAME_WORDS) {
                if (looseMatch(name, i, n, w)) return true;
            }
        }
        return false;
    }

    private static boolean looseMatch(String name, int at, int end, String word) {
        int p = at;
        for (int j = 0; j < word.length(); j++) {
            if (j > 0) {
                while (p < end && isNameSeparator(name.charAt(p))) p++;
            }
            if (p >= end || lower(name.charAt(p)) != word.charAt(j)) return false;
            p++;
        }
        return true;
    }

    private static boolean isNameSeparator(char c) { return c == '_' || c == '-' || c == '.'; }

    // ---------------------------------------------------------------------------------------
    // Results.

    private static final Inferred NO_SIGNAL = new Inferred(Task.GENERAL, "no signal");
    private static final Inferred USER_FENCE = new Inferred(Task.CODE_GENERATION, "code fence in the last user message");
    private static final Inferred SYSTEM_FENCE = new Inferred(Task.CODE_GENERATION, "code fence in the system message");
    private static final Inferred CODE_TOOL = new Inferred(Task.CODE_GENERATION, "tools that edit files or run code");
    private static final Inferred USER_CODE_TOKENS = new Inferred(Task.CODE_GENERATION,
            "code in the last user message (" + CODE_TOKENS_NEEDED + "+ code tokens)");
    private static final Inferred REASONING_EFFORT = new Inferred(Task.REASONING, "reasoning_effort is set");
    private static final Inferred EQUATION = new Inferred(Task.REASONING, "equation in the last user message");

    /** Tool name words, lower case, without separators (matched with {@code _ - .} skipped in the name). */
    private static final String[] TOOL_NAME_WORDS = {
        "edit", "writefile", "writetofile", "applypatch", "strreplace", "createfile", "deletefile", "runcommand",
        "runcode", "bash", "shell", "terminal", "execute", "patch", "codeinterpreter",
    };

}
