package tollgate.route;

import java.util.ArrayList;
import java.util.List;
import tollgate.catalog.Task;
import tollgate.route.TaskInference.Inferred;

/**
 * The keyword tables of {@link TaskInference} and the helpers that match them: each keyword is a
 * {@link Kw} of some kind, bucketed by its first two letters so that {@link TaskScan} tries only
 * the few keywords that can start at a given word, with no lower-casing of the text.
 */
final class TaskKeywords {

    private TaskKeywords() {}

    /** What a keyword means. */
    static final int TOKEN = 0, LANG = 1, CODE_WORD = 2, REASON = 3, WRITE_VERB = 4, PROSE = 5,
            SYSTEM_CODE = 6, DESC = 7;

    /** Flags of {@link #DESC} keywords; a description is code if it has both of a pair, or {@link #D_RUN_ALONE}. */
    static final int D_EDIT = 1, D_FILE = 2, D_RUN = 4, D_RUNNABLE = 8, D_RUN_ALONE = 16;

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
    record Kw(String text, int kind, boolean word, boolean exact, long bit, String label, Inferred result) {}

    /** Whether keyword {@code k} is at {@code s[i]}, which starts a word and equals its first letter ignoring case. */
    static boolean matches(String s, int i, int limit, Kw k) {
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
    static boolean inflectionOk(String s, int j, int limit) {
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

    static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    static boolean asciiLetter(char c) { int l = c | 0x20; return l >= 'a' && l <= 'z'; }

    static boolean isLetter(char c) { return asciiLetter(c) || (c >= 0x80 && Character.isLetter(c)); }

    static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c; }

    // ---------------------------------------------------------------------------------------
    // Keyword tables.

    static final Kw[][] USER_WORDS;
    static final Kw[][] SYSTEM_WORDS;
    static final Kw[][] DESC_WORDS;

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
