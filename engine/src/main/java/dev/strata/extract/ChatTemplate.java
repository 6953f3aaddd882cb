package dev.strata.extract;

import dev.strata.bindings.Llama;
import dev.strata.io.Sha256;
import java.nio.charset.StandardCharsets;

/**
 * A model's own chat template ({@code tokenizer.chat_template}) wrapping each prompt as a single user turn followed
 * by the start of the assistant's reply (method.md section 9), applied by llama.cpp's {@code llama_chat_apply_template}.
 * llama.cpp does not run the Jinja: it recognises the template's family and renders its own version of it, so a
 * default system message that the Jinja would add is not part of the wrapped prompt (docs/chat-template.md).
 *
 * <p>A wrapped prompt is tokenized in three parts: the text before the prompt (BOS where the model adds one, special
 * tokens parsed), the prompt itself (plain text: a passage that contains {@code <|im_end|>} stays text) and the text
 * after it (special tokens parsed). The parts meet at special tokens and line breaks, so this equals tokenizing the
 * whole wrapped text (ChatTemplateTest checks it on the real models); what it adds is a fixed number of closing tokens,
 * which a prompt cut to the maximum length keeps ({@link #closingTokens()}).
 */
public final class ChatTemplate {
    static final String ROLE = "user";
    /** Stands for the prompt once, to find what the template puts before and after it. */
    private static final String MARKER = "STRATA_PROMPT_7c1e";

    private final LoadedModel model;
    private final String text;
    private final String sha256;
    private final String before;
    private final String after;
    private final int[] openingTokens;
    private final int[] closingTokens;

    private ChatTemplate(LoadedModel model, String text, String before, String after) {
        this.model = model;
        this.text = text;
        this.sha256 = Sha256.of(text.getBytes(StandardCharsets.UTF_8));
        this.before = before;
        this.after = after;
        this.openingTokens = model.tokenize(before, true, true);
        this.closingTokens = model.tokenize(after, false, true);
    }

    /** The chat template of {@code model}; refused, naming the model file, when it has none or llama.cpp cannot apply it. */
    public static ChatTemplate of(LoadedModel model) throws ChatTemplateException {
        String file = model.file().toString();
        String text = model.chatTemplate().orElseThrow(() -> new ChatTemplateException(file
                + ": the model has no chat template (no tokenizer.chat_template in its metadata) to wrap the prompts in"));
        String marked = Llama.chatApplyTemplate(text, ROLE, MARKER, true).orElseThrow(() -> new ChatTemplateException(
                file + ": llama.cpp " + Llama.RELEASE + " does not recognise the model's chat template (sha256 "
                        + Sha256.of(text.getBytes(StandardCharsets.UTF_8)) + ")"));
        int at = marked.indexOf(MARKER);
        if (at < 0 || marked.indexOf(MARKER, at + 1) >= 0) {
            throw new ChatTemplateException(file + ": the model's chat template, as llama.cpp applies it, does not hold"
                    + " the prompt exactly once");
        }
        return new ChatTemplate(model, text, marked.substring(0, at), marked.substring(at + MARKER.length()));
    }

    /** The template as the GGUF holds it. */
    public String text() {
        return text;
    }

    /** SHA-256 of the template's UTF-8 bytes, recorded in the activations' metadata. */
    public String sha256() {
        return sha256;
    }

    /** {@code prompt} wrapped: one user turn and the start of the assistant's reply, as llama.cpp renders them. */
    public String wrap(String prompt) {
        // Recognised once in of(): the same text is recognised again.
        return Llama.chatApplyTemplate(text, ROLE, prompt, true).orElseThrow(() -> new IllegalStateException(
                model.file() + ": llama.cpp no longer recognises the model's chat template"));
    }

    /** Token ids of the wrapped {@code prompt}: opening tokens, the prompt's own, then {@link #closingTokens()}. */
    public int[] tokenize(String prompt) {
        String wrapped = wrap(prompt);
        // Some families trim the message; what lies between the opening and the closing text is the prompt as used.
        if (!wrapped.startsWith(before) || !wrapped.endsWith(after) || wrapped.length() < before.length() + after.length()) {
            throw new IllegalStateException(model.file() + ": the model's chat template does not wrap every prompt in"
                    + " the same opening and closing text");
        }
        int[] content = model.tokenize(wrapped.substring(before.length(), wrapped.length() - after.length()), false, false);
        int[] tokens = new int[openingTokens.length + content.length + closingTokens.length];
        System.arraycopy(openingTokens, 0, tokens, 0, openingTokens.length);
        System.arraycopy(content, 0, tokens, openingTokens.length, content.length);
        System.arraycopy(closingTokens, 0, tokens, openingTokens.length + content.length, closingTokens.length);
        return tokens;
    }

    /** Tokens the template adds around every prompt. */
    public int addedTokens() {
        return openingTokens.length + closingTokens.length;
    }

    /** Tokens the template puts after every prompt (the end of the user turn and the start of the reply). */
    public int closingTokens() {
        return closingTokens.length;
    }
}
