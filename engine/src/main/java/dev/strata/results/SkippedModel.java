package dev.strata.results;

/**
 * A model a study left out because it could not be extracted (the study was told to skip such models).
 *
 * @param reason its error, without the file name
 */
public record SkippedModel(Model model, String reason) {}
