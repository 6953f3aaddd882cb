package dev.strata.plan;

import java.io.Serializable;

/** What a {@link Task} gives back to the driver: small and serializable (counts, timings, whether it reused). */
public interface TaskResult extends Serializable {}
