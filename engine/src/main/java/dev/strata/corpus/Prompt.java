package dev.strata.corpus;

import java.io.Serializable;

/**
 * One prompt of a corpus.
 *
 * @param index 0-based position in corpus order (the row of every activation tensor)
 * @param id    the jsonl "id" when given, otherwise the 1-based line number
 * @param text  the prompt text, without its line terminator
 */
public record Prompt(int index, String id, String text) implements Serializable {}
