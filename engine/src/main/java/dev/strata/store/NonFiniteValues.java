package dev.strata.store;

/** What a run does with NaN and infinite activations, which fixes whether its files keep room for their counts. */
public enum NonFiniteValues {
    /** The extraction stops at the first one; the files record nothing about them. */
    REFUSED,
    /** They are stored, and each finished file records how many each tensor holds. */
    COUNTED
}
