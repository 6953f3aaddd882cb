package dev.strata.extract;

import java.io.IOException;

/** A model's chat template cannot wrap the prompts: the model has none, or llama.cpp cannot apply it. */
public class ChatTemplateException extends IOException {
    public ChatTemplateException(String message) {
        super(message);
    }
}
