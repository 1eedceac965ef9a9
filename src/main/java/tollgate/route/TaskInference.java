package tollgate.route;

import java.util.ArrayList;
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
        Scan scan = new Scan();
        scan.content(lastUser, USER);
        if (scan.userFence) return USER_FENCE;
        scan.budget = MAX_SCANNED_CHARS;
        for (Object m : messages) {
            if (scan.budget == 0 || scan.systemDone()) break;
            if (m instanceof Map<?, ?> message && isSystem(message.get("role"))) scan.content(message.get("content"), SYSTEM);
        }
        if (scan.systemFence) return SYSTEM_FENCE;
        if (scan.systemWords >= 2) {
            return new Inferred(Task.CODE_GENERATION, "code-heavy system message (\"" + scan.systemFirst.label
                    + "\", \"" + scan.systemSecond.label + "\")");
        }
        Inferred tool = codeTool(body.get("tools"), scan);
        if (tool != null) return tool;
        if (scan.codeTokens >= CODE_TOKENS_NEEDED) return USER_CODE_TOKENS;
        boolean bareWritingVerb = scan.writeVerb != null && scan.prose == null;
        if (scan.lang != null && (scan.codeWords > 0 || bareWritingVerb)) return scan.lang.result;
        if (scan.codeWords >= 2 || (scan.codeWords == 1 && bareWritingVerb)) return scan.codeWord.result;

        // c. reasoning.
        Object effort = body.get("reasoning_effort");
        if (effort != null && !"none".equals(effort)) return REASONING_EFFORT;
        if (scan.reasoning != null) return scan.reasoning.result;
        if (scan.equation) return EQUATION;

        // d. writing.
        if (scan.prose != null) return scan.prose.result;
        if (scan.writeVerb != null) return scan.writeVerb.result;
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

    private static boolean isTextPart(Object type) { return "text".equals(type) || "input_text".equals(type); }

    /** The first tool (of the first {@link #MAX_TOOLS_SCANNED}) that edits files or runs code, as a result; or null. */
    private static Inferred codeTool(Object tools, Scan scan) {
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
                scan.part(d, DESCRIPTION);
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
    // The scanner.

    private static final int USER = 0, SYSTEM = 1, DESCRIPTION = 2;

    /** What a keyword means. */
    private static final int TOKEN = 0, LANG = 1, CODE_WORD = 2, REASON = 3, WRITE_VERB = 4, PROSE = 5,
            SYSTEM_CODE = 6, DESC = 7;

    /** Flags of {@link #DESC} keywords; a description is code if it has both of a pair, or {@link #D_RUN_ALONE}. */
    private static final int D_EDIT = 1, D_FILE = 2, D_RUN = 4, D_RUNNABLE = 8, D_RUN_ALONE = 16;

    /**
     * One keyword.
     *
     * @param text   lower case unless {@code exact}
     * @param word   the keyword must end the word, give or take an inflection (s, es, d, ed, n, r,
     *               rs, er, ing); otherwise it is a stem and any ending is fine
     * @param exact  compared case-sensitively (code tokens)
     * @param bit    for {@link #CODE_WORD}/{@link #SYSTEM_CODE}: the concept, so that two spellings of
     *               one word count once; for {@link #DESC}: its flag
     * @param label  how a reason names it
     * @param result the result it leads to, for kinds that decide alone; else null
     */
    private record Kw(String text, int kind, boolean word, boolean exact, long bit, String label, Inferred result) {}

    /** Mutable state of one {@link #infer} call. */
    private static final class Scan {
        int budget = MAX_SCANNED_CHARS;
        // last user message
        boolean userFence, equation;
        int codeTokens, codeWords;
        long codeWordBits;
        Kw lang, codeWord, reasoning, writeVerb, prose;
        // system/developer messages
        boolean systemFence;
        int systemWords;
        long systemBits;
        Kw systemFirst, systemSecond;
        // one tool description
        int descBits;

        boolean userDone() { return userFence || codeTokens >= CODE_TOKENS_NEEDED; }

        boolean systemDone() { return systemFence || systemWords >= 2; }

        boolean descriptionDone() {
            int b = descBits;
            return (b & (D_EDIT | D_FILE)) == (D_EDIT | D_FILE) || (b & (D_RUN | D_RUNNABLE)) == (D_RUN | D_RUNNABLE)
                    || (b & D_RUN_ALONE) != 0;
        }

        boolean done(int mode) {
            return switch (mode) {
                case USER -> userDone();
                case SYSTEM -> systemDone();
                default -> descriptionDone();
            };
        }

        /** Scans a message content (a string, or a list of parts) within the budget. */
        void content(Object content, int mode) {
            if (content instanceof String s) {
                part(s, mode);
            } else if (content instanceof List<?> parts) {
                for (Object p : parts) {
                    if (budget == 0 || done(mode)) return;
                    if (p instanceof Map<?, ?> part && isTextPart(part.get("type")) && part.get("text") instanceof String s) {
                        part(s, mode);
                    }
                }
            }
        }

        void part(String s, int mode) {
            int limit = Math.min(s.length(), budget);
            budget -= limit;
            scan(s, limit, mode);
        }

        /** One pass over {@code s[0, limit)}. */
        private void scan(String s, int limit, int mode) {
            Kw[][] table = mode == USER ? USER_WORDS : mode == SYSTEM ? SYSTEM_WORDS : DESC_WORDS;
            boolean prevLetter = false;
            for (int i = 0; i < limit; i++) {
                char c = s.charAt(i);
                int lc = c | 0x20;
                if (lc >= 'a' && lc <= 'z') {
                    if (!prevLetter) {
                        int second = i + 1 < limit ? s.charAt(i + 1) | 0x20 : 0;
                        Kw[] bucket = table[(lc - 'a') * 27 + (second >= 'a' && second <= 'z' ? second - 'a' : 26)];
                        if (bucket != null) {
                            for (Kw k : bucket) {
                                if (matches(s, i, limit, k)) hit(k);
                            }
                            if (done(mode)) return;
                        }
                    }
                    prevLetter = true;
                    continue;
                }
                prevLetter = c >= 0x80 && Character.isLetter(c);
                if (mode == DESCRIPTION) continue;
                if (c == '`') {
                    if (i + 3 <= limit && s.startsWith("```", i)) {
                        if (mode == USER) userFence = true;
                        else systemFence = true;
                        return;
                    }
                } else if (mode == USER) {
                    if (c >= '0' && c <= '9') {
                        if (!equation && (i + 1 == limit || !isDigit(s.charAt(i + 1))) && equationAt(s, i, limit)) {
                            equation = true;
                        }
                    } else {
                        int n = punctTokenAt(s, i, limit, c);
                        if (n > 0) {
                            if (++codeTokens >= CODE_TOKENS_NEEDED) return;
                            i += n - 1;
                        }
                    }
                }
            }
        }

        private void hit(Kw k) {
            switch (k.kind) {
                case TOKEN -> codeTokens++;
                case LANG -> { if (lang == null) lang = k; }
                case CODE_WORD -> {
                    if ((codeWordBits & k.bit) == 0) {
                        codeWordBits |= k.bit;
                        codeWords++;
                        if (codeWord == null) codeWord = k;
                    }
                }
                case REASON -> { if (reasoning == null) reasoning = k; }
                case WRITE_VERB -> { if (writeVerb == null) writeVerb = k; }
                case PROSE -> { if (prose == null) prose = k; }
                case SYSTEM_CODE -> {
                    if ((systemBits & k.bit) == 0) {
                        systemBits |= k.bit;
                        if (++systemWords == 1) systemFirst = k;
                        else if (systemWords == 2) systemSecond = k;
                    }
                }
                case DESC -> descBits |= (int) k.bit;
                default -> throw new IllegalStateException();
            }
        }
    }

    /** Whether keyword {@code k} is at {@code s[i]}, which starts a word and equals its first letter ignoring case. */
    private static boolean matches(String s, int i, int limit, Kw k) {
        String t = k.text;
        int n = t.length();
        if (n > limit - i) return false;
        if (k.exact) {
            if (!s.startsWith(t, i)) return false;
        } else {
            for (int j = 1; j < n; j++) {
                char a = s.charAt(i + j), b = t.charAt(j);
                if (a != b && (a < 'A' || a > 'Z' || a + 32 != b)) return false;
            }
        }
        return !k.word || inflectionOk(s, i + n, limit);
    }

    /** True if the letters at {@code s[j]} (the rest of the word) are none or a short inflection. */
    private static boolean inflectionOk(String s, int j, int limit) {
        int end = j;
        while (end < limit && end - j < 4 && isLetter(s.charAt(end))) end++;
        int n = end - j;
        if (n == 0) return true;
        char a = lower(s.charAt(j));
        return switch (n) {
            case 1 -> a == 's' || a == 'd' || a == 'n' || a == 'r';
            case 2 -> {
                char b = lower(s.charAt(j + 1));
                yield (a == 'e' && (b == 's' || b == 'd' || b == 'r')) || (a == 'r' && b == 's');
            }
            case 3 -> {
                char b = lower(s.charAt(j + 1)), c = lower(s.charAt(j + 2));
                yield (a == 'i' && b == 'n' && c == 'g') || (a == 'e' && b == 'r' && c == 's');
            }
            default -> false;
        };
    }

    /** The length of the punctuation code token at {@code s[i]} (whose char is {@code c}), or 0. */
    private static int punctTokenAt(String s, int i, int limit, char c) {
        String t;
        switch (c) {
            case '=' -> {
                if (i + 2 > limit) return 0;
                char d = s.charAt(i + 1);
                return d == '>' || d == '=' ? 2 : 0;
            }
            case '(' -> t = "();";
            case ')' -> t = "){";
            case '}' -> t = "};";
            case '<' -> t = "</";
            case ':' -> t = "::";
            case '&' -> t = "&&";
            case '#' -> t = "#include";
            default -> { return 0; }
        }
        return i + t.length() <= limit && s.startsWith(t, i) ? t.length() : 0;
    }

    /**
     * True if {@code s[i]}, the last digit of a number, starts an equation-like run: up to two
     * spaces, an operator, up to two spaces, an optional {@code (} or sign, a digit. {@code -} and
     * {@code /} (and their Unicode forms) need a space on both sides; a doubled operator
     * ({@code **}, {@code ==}) is one. A number that is part of a time ({@code 3:00}) on either
     * side does not count.
     */
    private static boolean equationAt(String s, int i, int limit) {
        int j = i + 1;
        int before = 0;
        while (j < limit && s.charAt(j) == ' ' && before < 2) { j++; before++; }
        if (j >= limit) return false;
        char op = s.charAt(j);
        boolean spaced;
        switch (op) {
            case '+', '*', '^', '=', '\u00d7', '\u00f7' -> spaced = false;
            case '-', '/', '\u2212', '\u2215' -> spaced = true;
            default -> { return false; }
        }
        j++;
        if (j < limit && s.charAt(j) == op) j++;
        int after = 0;
        while (j < limit && s.charAt(j) == ' ' && after < 2) { j++; after++; }
        if (spaced && (before == 0 || after == 0)) return false;
        if (j < limit && (s.charAt(j) == '(' || s.charAt(j) == '-')) j++;
        if (j >= limit || !isDigit(s.charAt(j))) return false;
        // Not a time: "3:00 - 4:00".
        int k = i;
        while (k > 0 && i - k < 32 && isDigit(s.charAt(k - 1))) k--;
        if (k > 0 && s.charAt(k - 1) == ':') return false;
        while (j < limit && isDigit(s.charAt(j))) j++;
        return j >= limit || s.charAt(j) != ':';
    }

    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    private static boolean asciiLetter(char c) { int l = c | 0x20; return l >= 'a' && l <= 'z'; }

    private static boolean isLetter(char c) { return asciiLetter(c) || (c >= 0x80 && Character.isLetter(c)); }

    private static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c; }

    // ---------------------------------------------------------------------------------------
    // Results and keyword tables.

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

    private static final Kw[][] USER_WORDS;
    private static final Kw[][] SYSTEM_WORDS;
    private static final Kw[][] DESC_WORDS;

    static {
        List<Kw> user = new ArrayList<>();
        // Code tokens: case-sensitive, at the start of a word (punctuation ones are in punctTokenAt).
        for (String t : new String[] {"def ", "class ", "function ", "import ", "public static", "SELECT ", "return ",
                "const ", "var ", "elif ", "println", "printf(", "console.log"}) {
            user.add(new Kw(t, TOKEN, false, true, 0, t, null));
        }
        for (String t : new String[] {"python", "javascript", "typescript", "java", "kotlin", "rust", "golang", "c++",
                "c#", "sql", "bash", "powershell", "regex", "php", "haskell", "html", "css"}) {
            user.add(new Kw(t, LANG, true, false, 0, t, code(t)));
        }
        // Code words: {text, concept}; '*' ends a stem.
        String[][] codeWords = {
            {"code", "code"}, {"coding", "code"}, {"function*", "function"}, {"script", "script"},
            {"method", "method"}, {"snippet", "snippet"}, {"implement*", "implement"}, {"refactor*", "refactor"},
            {"compile", "compile"}, {"compiling", "compile"}, {"debug*", "debug"}, {"bug", "bug"},
            {"algorithm*", "algorithm"}, {"unit test*", "unit test"}, {"stack trace*", "stack trace"},
            {"programming", "programming"}, {"query", "query"},
        };
        addConcepts(user, codeWords, CODE_WORD);
        for (String[] w : new String[][] {
                {"prove", "prove"}, {"proving", "prove"}, {"proof", "proof"}, {"deriv*", "derive"},
                {"theorem*", "theorem"}, {"step by step*", "step by step"}, {"step-by-step*", "step-by-step"},
                {"calculat*", "calculate"}, {"solve", "solve"}, {"solving", "solve"}, {"how many", "how many"},
                {"probabilit*", "probability"}, {"puzzle*", "puzzle"}, {"riddle*", "riddle"},
                {"why does", "why does"}, {"explain why", "explain why"}}) {
            user.add(kw(w[0], REASON, 0, w[1], new Inferred(Task.REASONING, "asks for reasoning (\"" + w[1] + "\")")));
        }
        for (String[] w : new String[][] {
                {"write", "write"}, {"writing", "write"}, {"written", "write"}, {"rewrit*", "rewrite"},
                {"draft*", "draft"}}) {
            user.add(kw(w[0], WRITE_VERB, 0, w[1], prose(w[1])));
        }
        for (String[] w : new String[][] {
                {"essay", "essay"}, {"story", "story"}, {"stories", "story"}, {"poem*", "poem"},
                {"poetry", "poetry"}, {"blog*", "blog"}, {"email", "email"}, {"e-mail", "email"},
                {"letter", "letter"}, {"cover letter", "cover letter"}, {"article", "article"},
                {"summar*", "summary"}, {"translat*", "translate"}, {"tone", "tone"}, {"paraphras*", "paraphrase"},
                {"headline", "headline"}, {"slogan", "slogan"}}) {
            user.add(kw(w[0], PROSE, 0, w[1], prose(w[1])));
        }
        USER_WORDS = buckets(user);

        List<Kw> system = new ArrayList<>();
        addConcepts(system, new String[][] {
            {"code*", "code"}, {"coding", "code"}, {"function*", "function"}, {"programm*", "programming"},
            {"developer*", "developer"}, {"refactor*", "refactor"}, {"compile", "compile"}, {"compiling", "compile"},
            {"stack trace*", "stack trace"}, {"unit test*", "unit test"}, {"bug", "bug"},
        }, SYSTEM_CODE);
        SYSTEM_WORDS = buckets(system);

        List<Kw> desc = new ArrayList<>();
        for (String w : new String[] {"edit", "editing", "write", "writing", "create", "creating", "modif*", "overwrite",
                "replace", "replacing", "append", "patch", "delete", "deleting"}) {
            desc.add(kw(w, DESC, D_EDIT, w, null));
        }
        for (String w : new String[] {"file", "director*", "repositor*", "codebase*", "source code*", "source file*"}) {
            desc.add(kw(w, DESC, D_FILE, w, null));
        }
        for (String w : new String[] {"run", "running", "execute", "executing", "exec"}) {
            desc.add(kw(w, DESC, D_RUN, w, null));
        }
        for (String w : new String[] {"code", "command", "script", "python", "program", "test"}) {
            desc.add(kw(w, DESC, D_RUNNABLE, w, null));
        }
        for (String w : new String[] {"shell", "bash", "command line*", "command-line*", "terminal", "code interpreter*",
                "apply_patch", "str_replace*"}) {
            desc.add(kw(w, DESC, D_RUN_ALONE, w, null));
        }
        DESC_WORDS = buckets(desc);
    }

    private static Inferred code(String label) { return new Inferred(Task.CODE_GENERATION, "asks for code (\"" + label + "\")"); }

    private static Inferred prose(String label) { return new Inferred(Task.WRITING, "asks for prose (\"" + label + "\")"); }

    /** A case-insensitive keyword; {@code spec} ending in {@code *} is a stem, else a word. */
    private static Kw kw(String spec, int kind, long bit, String label, Inferred result) {
        boolean stem = spec.endsWith("*");
        String text = stem ? spec.substring(0, spec.length() - 1) : spec;
        if (!text.equals(text.toLowerCase(java.util.Locale.ROOT)) || !asciiLetter(text.charAt(0))) {
            throw new IllegalArgumentException(spec);
        }
        return new Kw(text, kind, !stem, false, bit, label, result);
    }

    /** Adds {text, concept} pairs, one bit per distinct concept. */
    private static void addConcepts(List<Kw> into, String[][] pairs, int kind) {
        List<String> concepts = new ArrayList<>();
        for (String[] p : pairs) {
            int c = concepts.indexOf(p[1]);
            if (c < 0) { c = concepts.size(); concepts.add(p[1]); }
            into.add(kw(p[0], kind, 1L << c, p[1], kind == CODE_WORD ? code(p[1]) : null));
        }
        if (concepts.size() > 64) throw new IllegalStateException("too many concepts");
    }

    /** Keywords by their first two chars: {@code (first - 'a') * 27 + (second - 'a')}, or {@code + 26} if the second is no ASCII letter. */
    private static Kw[][] buckets(List<Kw> all) {
        Kw[][] table = new Kw[26 * 27][];
        for (Kw k : all) {
            char second = k.text.length() > 1 ? k.text.charAt(1) : ' ';
            int b = ((k.text.charAt(0) | 0x20) - 'a') * 27 + (asciiLetter(second) ? (second | 0x20) - 'a' : 26);
            Kw[] old = table[b];
            Kw[] grown = old == null ? new Kw[1] : java.util.Arrays.copyOf(old, old.length + 1);
            grown[grown.length - 1] = k;
            table[b] = grown;
        }
        return table;
    }
}
